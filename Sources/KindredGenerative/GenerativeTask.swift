/// The kinds of representation-learning runs Kindred trains without metric labels.
///
/// A run config names one with `task:` (the YAML spelling is ``rawValue``); metric-learning runs
/// leave `task:` out. Each task has its own models (see the files beside this one) and writes a
/// sample grid every epoch.
public enum GenerativeTask: String, CaseIterable, Sendable, Codable {
    /// Convolutional autoencoder: encoder → latent vector → decoder, reconstruction loss.
    case autoencoder
    /// Autoencoder trained on corrupted inputs to reconstruct the clean image.
    case denoisingAutoencoder = "denoising_autoencoder"
    /// Variational autoencoder: reparameterised Gaussian latent, ELBO = reconstruction + β·KL.
    case vae
    /// DCGAN: generator from noise, discriminator on real/fake images.
    case dcgan
    /// pix2pix-style conditional GAN for 2× super-resolution (low-res image → high-res image).
    case superResolution = "super_resolution"
    /// CycleGAN: unpaired translation between two image domains.
    case cycleGAN = "cyclegan"

    /// Whether the task learns an encoder whose latent space can be interpolated and added to.
    public var hasEncoder: Bool {
        switch self {
        case .autoencoder, .denoisingAutoencoder, .vae: return true
        case .dcgan, .superResolution, .cycleGAN: return false
        }
    }

    /// Whether the task trains adversarially (a generator and a discriminator with separate optimisers).
    public var isAdversarial: Bool { !hasEncoder }
}

import KindredTensor

/// A tensor handed to a generative model that does not fit it (wrong rank, channels or size),
/// naming what was given and what the model takes.
public struct GenerativeModelError: Error, CustomStringConvertible, Equatable, Sendable {
    /// What is wrong and what was expected.
    public var message: String

    /// An error with `message`.
    public init(_ message: String) { self.message = message }

    /// The message.
    public var description: String { message }

    /// Throws unless `images` is `[N, channels, size, size]` with N ≥ 1.
    ///
    /// - Parameters:
    ///   - images: the batch.
    ///   - channels: channels the model takes.
    ///   - size: side of the square images the model takes.
    ///   - what: how to name the batch in the message (`"input images"`, `"a.png"`).
    public static func checkImages(_ images: Tensor, channels: Int, size: Int, what: String = "input images") throws {
        let s = images.shape
        guard s.count == 4, s[0] >= 1, s[1] == channels, s[2] == size, s[3] == size else {
            let found = s.count == 4 ? "\(s[0]) images of \(s[1])×\(s[2])×\(s[3])" : "a tensor of shape \(s)"
            throw GenerativeModelError("\(what): the model takes [N, \(channels), \(size), \(size)] (\(channels)-channel \(size)×\(size) images), found \(found)")
        }
    }

    /// Throws unless `latents` is `[N, size]` with N ≥ 1.
    public static func checkLatents(_ latents: Tensor, size: Int) throws {
        let s = latents.shape
        guard s.count == 2, s[0] >= 1, s[1] == size else {
            throw GenerativeModelError("latent vectors: the model takes [N, \(size)], found shape \(s)")
        }
    }
}

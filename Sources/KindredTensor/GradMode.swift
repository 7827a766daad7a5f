import Foundation

/// Whether operations on this thread record a graph for backprop.
enum GradMode {
    private static let key: pthread_key_t = {
        var k = pthread_key_t()
        pthread_key_create(&k, nil)
        return k
    }()

    /// True unless inside ``withoutGradients(_:)`` on this thread.
    static var isEnabled: Bool {
        pthread_getspecific(key) == nil
    }

    static func set(enabled: Bool) {
        pthread_setspecific(key, enabled ? nil : UnsafeRawPointer(bitPattern: 1))
    }
}

/// Runs `body` without recording a graph: results of tensor operations inside do not track
/// gradients (like PyTorch's `torch.no_grad()`). Use it for evaluation, miners and optimiser updates.
public func withoutGradients<R>(_ body: () throws -> R) rethrows -> R {
    let was = GradMode.isEnabled
    GradMode.set(enabled: false)
    defer { GradMode.set(enabled: was) }
    return try body()
}

/// Whether tensor operations on this thread currently record a graph.
public var isRecordingGradients: Bool { GradMode.isEnabled }

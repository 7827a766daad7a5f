import ArgumentParser
import KindredNN

/// `kindred info`: what Kindred runs on.
struct Info: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show the BLAS library, convolution kernels and thread counts Kindred uses.")

    func run() {
        print("BLAS:    \(BLAS.configuration)")
        print("convolutions: \(ConvolutionBackend.summary)")
        print("threads: \(Parallel.threadCount) (Kindred kernels), \(BLAS.threadCount) (BLAS)")
    }
}

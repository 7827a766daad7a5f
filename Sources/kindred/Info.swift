import ArgumentParser
import KindredNN

/// `kindred info`: what Kindred runs on.
struct Info: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show the BLAS library, kernel and thread counts Kindred uses.")

    func run() {
        print("BLAS:    \(BLAS.configuration)")
        print("threads: \(Parallel.threadCount) (Kindred kernels), \(BLAS.threadCount) (BLAS)")
    }
}

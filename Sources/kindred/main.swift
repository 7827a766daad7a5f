import ArgumentParser
import Foundation
import KindredNN

BLAS.relaunchWithFastKernelsIfNeeded()
// Line-buffered output, so logs and CI see progress as it happens.
setvbuf(stdout, nil, _IOLBF, 0)

/// The `kindred` command.
struct Kindred: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kindred",
        abstract: "Deep metric learning in Swift: train, evaluate and search embedding models.",
        subcommands: [Train.self, Eval.self, Embed.self, Search.self, Visualize.self, Generate.self, Info.self]
    )
}

Kindred.main()

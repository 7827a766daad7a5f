import ArgumentParser
import Foundation
import KindredNN

BLAS.relaunchWithFastKernelsIfNeeded()

/// The `kindred` command.
struct Kindred: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kindred",
        abstract: "Deep metric learning in Swift: train, evaluate and search embedding models.",
        subcommands: [Train.self, Eval.self, Embed.self, Demo.self, Info.self]
    )
}

Kindred.main()

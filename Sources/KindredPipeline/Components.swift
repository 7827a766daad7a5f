import Foundation
import KindredMetric
import KindredNN
import KindredTensor

/// Builds the pieces of a run from its config.
enum Components {
    /// The embedding network for images of `channels` × `imageSize` × `imageSize`.
    static func model(_ config: ModelConfig, channels: Int, imageSize: Int) -> any Layer {
        switch config.kind {
        case .referenceCNN:
            return EmbeddingCNN(inputChannels: channels, embeddingSize: config.embeddingSize, normalize: config.normalize)
        case .mlp:
            var layers: [any Layer] = [Flatten()]
            var width = channels * imageSize * imageSize
            for h in config.hiddenSizes {
                layers += [Linear(width, h), Activation(.relu)]
                width = h
            }
            layers.append(Linear(width, config.embeddingSize))
            if config.normalize { layers.append(L2Normalize()) }
            return Sequential(layers)
        }
    }

    /// One configured loss (`classes` is the number of training classes, for losses with class weights).
    static func loss(_ c: LossConfig, classes: Int, embeddingSize: Int) -> MetricLoss {
        let v = c.value
        switch c.kind {
        case .tripletMargin:
            return TripletMarginLoss(margin: v("margin"), swap: c.flags["swap"] ?? false, smooth: c.flags["smooth"] ?? false)
        case .contrastive: return ContrastiveLoss(posMargin: v("pos_margin"), negMargin: v("neg_margin"))
        case .multiSimilarity: return MultiSimilarityLoss(alpha: v("alpha"), beta: v("beta"), base: v("base"))
        case .circle: return CircleLoss(m: v("m"), gamma: v("gamma"))
        case .ntxent: return NTXentLoss(temperature: v("temperature"))
        case .supcon: return SupConLoss(temperature: v("temperature"))
        case .nPairs: return NPairsLoss()
        case .arcface: return ArcFaceLoss(numClasses: classes, embeddingSize: embeddingSize, margin: v("margin"), scale: v("scale"))
        case .subCenterArcface:
            return SubCenterArcFaceLoss(numClasses: classes, embeddingSize: embeddingSize, subCenters: max(1, Int(v("sub_centers"))),
                                        margin: v("margin"), scale: v("scale"))
        case .cosface: return CosFaceLoss(numClasses: classes, embeddingSize: embeddingSize, margin: v("margin"), scale: v("scale"))
        case .sphereface: return SphereFaceLoss(numClasses: classes, embeddingSize: embeddingSize, margin: v("margin"), scale: v("scale"))
        case .normalizedSoftmax: return NormalizedSoftmaxLoss(numClasses: classes, embeddingSize: embeddingSize, temperature: v("temperature"))
        case .proxyAnchor: return ProxyAnchorLoss(numClasses: classes, embeddingSize: embeddingSize, margin: v("margin"), alpha: v("alpha"))
        case .proxyNCA: return ProxyNCALoss(numClasses: classes, embeddingSize: embeddingSize, softmaxScale: v("softmax_scale"))
        }
    }

    /// One configured miner (nil for `none`).
    static func miner(_ c: MinerConfig?, seed: UInt64) -> (any Miner)? {
        guard let c else { return nil }
        switch c.kind {
        case .none: return nil
        case .tripletMargin:
            return TripletMarginMiner(margin: c.value("margin"), kind: TripletMarginMiner.Kind(rawValue: c.tripletType) ?? .semihard)
        case .batchHard: return BatchHardMiner()
        case .multiSimilarity: return MultiSimilarityMiner(epsilon: c.value("epsilon"))
        case .pairMargin: return PairMarginMiner(posMargin: c.value("pos_margin"), negMargin: c.value("neg_margin"))
        case .distanceWeighted:
            return DistanceWeightedMiner(cutoff: c.value("cutoff"), nonzeroLossCutoff: c.value("nonzero_loss_cutoff"), seed: seed)
        case .curriculum:
            switch c.curriculumSwitch {
            case .epoch(let e): return CurriculumTripletMiner(margin: c.value("margin"), schedule: .epochs(e - 1))
            case let .activeFraction(below, patience):
                return CurriculumTripletMiner(margin: c.value("margin"), schedule: .activeFraction(below: below, patience: patience))
            }
        }
    }

    /// The optimiser over the network's parameters and the loss's own (with `loss_lr` if given).
    static func optimizer(_ c: OptimizerConfig, model: [Tensor], loss: [Tensor]) -> Optimizer {
        var groups = [ParameterGroup(parameters: model)]
        if !loss.isEmpty { groups.append(ParameterGroup(parameters: loss, learningRate: c.lossLearningRate)) }
        switch c.kind {
        case .adam: return Adam(groups: groups, learningRate: c.learningRate, weightDecay: c.weightDecay)
        case .adamw: return AdamW(groups: groups, learningRate: c.learningRate, weightDecay: c.weightDecay)
        case .sgd: return SGD(groups: groups, learningRate: c.learningRate, momentum: c.momentum, weightDecay: c.weightDecay)
        }
    }

    /// The learning-rate schedule over `totalSteps` optimiser steps of `stepsPerEpoch` each.
    static func schedule(_ c: ScheduleConfig, totalSteps: Int, stepsPerEpoch: Int) -> any LearningRateSchedule {
        let main: any LearningRateSchedule
        switch c.kind {
        case .constant: main = ConstantSchedule()
        case .cosine: main = CosineAnnealing(maxSteps: max(1, totalSteps - c.warmupSteps), minimumLearningRate: c.minimumLearningRate)
        case .multistep: main = MultiStepDecay(milestones: c.milestones.map { $0 * stepsPerEpoch - c.warmupSteps }, gamma: c.gamma)
        }
        guard c.warmupSteps > 0 else { return main }
        return LinearWarmup(steps: c.warmupSteps).followed(by: main, after: c.warmupSteps)
    }
}

/// The learning rate unchanged.
struct ConstantSchedule: LearningRateSchedule {
    func learningRate(at step: Int, base: Double) -> Double { base }
}

/// Accuracy, per-class precision/recall/F1 and the confusion matrix of a classifier.
public struct ClassificationReport: Sendable, Equatable {
  public struct ClassScores: Sendable, Equatable {
    public var precision: Double
    public var recall: Double
    public var f1: Double
    public var support: Int
  }

  public let labels: [String]
  /// `confusion[gold][predicted]`.
  public let confusion: [[Int]]

  public init(labels: [String], gold: [Int], predicted: [Int]) {
    precondition(gold.count == predicted.count)
    var confusion = [[Int]](repeating: [Int](repeating: 0, count: labels.count), count: labels.count)
    for (g, p) in zip(gold, predicted) { confusion[g][p] += 1 }
    self.labels = labels
    self.confusion = confusion
  }

  public var count: Int { confusion.reduce(0) { $0 + $1.reduce(0, +) } }

  public var accuracy: Double {
    let correct = labels.indices.reduce(0) { $0 + confusion[$1][$1] }
    return count == 0 ? 0 : Double(correct) / Double(count)
  }

  public func scores(_ label: Int) -> ClassScores {
    let truePositive = Double(confusion[label][label])
    let predicted = Double(labels.indices.reduce(0) { $0 + confusion[$1][label] })
    let actual = Double(confusion[label].reduce(0, +))
    let precision = predicted == 0 ? 0 : truePositive / predicted
    let recall = actual == 0 ? 0 : truePositive / actual
    let f1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall)
    return ClassScores(precision: precision, recall: recall, f1: f1, support: Int(actual))
  }
}

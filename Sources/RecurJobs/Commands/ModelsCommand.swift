import Foundation
import RecurNN
import RecurReport

/// `recur models`: the models in a models folder, from their cards.
public struct ModelsCommand {
  public var folder: String
  public var json: Bool

  public init(folder: String, json: Bool) {
    self.folder = folder
    self.json = json
  }

  public func run(write: (String) -> Void) throws(RecurError) -> ExitStatus {
    let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).sorted()
    let cards = names.compactMap { name -> (String, Result<ModelCard, ModelFileError>)? in
      let path = folder + "/" + name + "/card.json"
      guard FileManager.default.fileExists(atPath: path) else { return nil }
      return (name, Result { () throws(ModelFileError) in try ModelCard.read(path: path) })
    }
    guard !cards.isEmpty else { throw RecurError(.usage, "no models (no */card.json)", location: folder) }
    var failed = false
    for (name, result) in cards {
      switch result {
      case .failure(let error):
        failed = true
        if json {
          var object = JSONObjectWriter()
          object.add("model", name)
          object.add("error", error.message)
          write(object.json)
        } else {
          write("\(name): \(error.message)")
        }
      case .success(let card):
        let architecture = card.architecture.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        let integrity = card.integrity(folder: folder + "/" + name)
        // Weights that are not the ones the card vouches for are a failure to report.
        if !integrity.hasPrefix("verified") && card.files?.isEmpty == false { failed = true }
        if json {
          var object = JSONObjectWriter()
          object.add("model", name)
          object.add("path", folder + "/" + name)
          object.add("created", card.created)
          object.add("seed", Int(card.seed))
          object.add("command", card.command)
          var scores = JSONObjectWriter()
          for (key, value) in card.scores.sorted(by: { $0.key < $1.key }) { scores.add(key, value, decimals: 4) }
          object.add("scores", raw: scores.json)
          object.add("training_seconds", card.trainingSeconds, decimals: 0)
          object.add("architecture", raw: "[" + architecture.map(JSONObjectWriter.quote).joined(separator: ",") + "]")
          object.add("weights", integrity)
          write(object.json)
        } else {
          write("\(name)  (\(folder)/\(name), created \(card.created))")
          write("  architecture: " + architecture.joined(separator: " "))
          for (key, value) in card.scores.sorted(by: { $0.key < $1.key }) {
            write("  " + key + ": " + (value > 1 ? String(format: "%.0f", value) : String(format: "%.4f", value)))
          }
          write("  trained with: \(card.command) (seed \(card.seed))")
          write("  weights: \(integrity)")
        }
      }
    }
    return failed ? .partialFailure : .success
  }
}

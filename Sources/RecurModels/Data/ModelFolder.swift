import Foundation
import RecurNN

/// A model folder: `card.json` beside `model.safetensors`. Both shipped models read and
/// write themselves through it, so every refusal reads the same way.
public enum ModelFolder {
  public static let weightsFile = "model.safetensors"
  public static let cardFile = "card.json"

  /// The card of the model in `directory`, which must be a `name` model.
  public static func card(_ directory: String, name: String) throws(DataFileError) -> ModelCard {
    var isFolder: ObjCBool = false
    guard FileManager.default.fileExists(atPath: directory, isDirectory: &isFolder), isFolder.boolValue else {
      throw DataFileError(
        "no \(name) model at \(directory) (no such folder): give --model DIR, or set RECUR_MODELS to the folder"
          + " that holds the models (the repository's models/)")
    }
    let card: ModelCard
    do {
      card = try ModelCard.read(path: directory + "/" + cardFile)
    } catch {
      throw DataFileError("\(directory) is not a \(name) model: \(error.message)")
    }
    guard card.name == name else {
      throw DataFileError("\(directory) holds a '\(card.name)' model, not a \(name) model")
    }
    return card
  }

  /// Fills `parameters` from the folder's weights, which must be exactly those tensors
  /// and the bytes the card's digest records.
  public static func loadWeights(_ directory: String, card: ModelCard, into parameters: [Parameter])
    throws(DataFileError)
  {
    let path = directory + "/" + weightsFile
    do {
      let bytes = try SafeTensors.readBytes(path: path)
      try card.check(bytes, file: weightsFile, folder: directory)
      try SafeTensors(bytes: bytes).load(into: parameters)
    } catch {
      throw DataFileError(error.message.hasPrefix(directory) ? error.message : "\(path): \(error.message)")
    }
  }

  /// Makes sure a model can be written to `directory` before training begins (a run can
  /// take half an hour): the folder is created if missing, and a file is written there and
  /// removed again.
  public static func prepareOutput(_ directory: String) throws(DataFileError) {
    do {
      try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    } catch {
      throw DataFileError("cannot create \(directory): \(error.localizedDescription)")
    }
    let probe = directory + "/.recur-write-check-\(getpid())"
    guard FileManager.default.createFile(atPath: probe, contents: Data()) else {
      throw DataFileError("cannot write in \(directory)")
    }
    try? FileManager.default.removeItem(atPath: probe)
  }

  public static func save(_ directory: String, parameters: [Parameter], card: ModelCard) throws(DataFileError) {
    do {
      try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    } catch {
      throw DataFileError("cannot create \(directory): \(error.localizedDescription)")
    }
    do {
      // Serialized once: the same bytes are written and vouched for.
      let bytes = SafeTensors(parameters: parameters).serialized()
      try SafeTensors.write(bytes, to: directory + "/" + weightsFile)
      var card = card
      card.files = [weightsFile: sha256Hex(bytes)]
      try card.write(to: directory + "/" + cardFile)
    } catch {
      throw DataFileError(error.message)
    }
  }
}

import Foundation
import XCTest
import Yams

@testable import RecurJobs

/// The recipes in deploy/ cannot run here (no cluster, no Slurm, no Docker): they are
/// parsed, and the fields that make them work are checked against each other and against
/// what `recur` expects.
final class DeployRecipeTests: XCTestCase {
  static let deploy = RunTests.root.appendingPathComponent("deploy")

  func yaml(_ name: String) throws -> [String: Any] {
    let text = try String(contentsOf: Self.deploy.appendingPathComponent("kubernetes/" + name), encoding: .utf8)
    XCTAssertFalse(text.contains("\t"), "\(name): YAML is indented with spaces")
    return try XCTUnwrap(try Yams.load(yaml: text) as? [String: Any], name)
  }

  func value(_ object: Any?, _ path: String) -> Any? {
    var current = object
    for key in path.split(separator: ".") {
      if let index = Int(key) {
        guard let list = current as? [Any], index < list.count else { return nil }
        current = list[index]
      } else {
        current = (current as? [String: Any])?[String(key)]
      }
    }
    return current
  }

  func testTheIndexedJobRunsWorkersOfTheJobFileWithTheSecretsPassword() throws {
    let job = try yaml("job.yaml")
    let configMap = try yaml("configmap.yaml")
    let secret = try yaml("secret.yaml")
    let claim = try yaml("reports-pvc.yaml")
    XCTAssertEqual(value(job, "apiVersion") as? String, "batch/v1")
    XCTAssertEqual(value(job, "kind") as? String, "Job")
    XCTAssertEqual(value(job, "spec.completionMode") as? String, "Indexed")
    let parallelism = try XCTUnwrap(value(job, "spec.parallelism") as? Int)
    XCTAssertGreaterThan(parallelism, 1)
    XCTAssertEqual(value(job, "spec.completions") as? Int, parallelism, "every index is one worker")
    XCTAssertEqual(value(job, "spec.template.spec.restartPolicy") as? String, "Never", "podFailurePolicy needs it")
    XCTAssertEqual(value(job, "spec.podFailurePolicy.rules.0.onExitCodes.values") as? [Int], [2])
    XCTAssertEqual(value(job, "spec.podFailurePolicy.rules.0.action") as? String, "FailJob")

    let container = try XCTUnwrap(value(job, "spec.template.spec.containers.0") as? [String: Any])
    XCTAssertEqual(
      value(job, "spec.podFailurePolicy.rules.0.onExitCodes.containerName") as? String,
      container["name"] as? String)
    let script = try XCTUnwrap((container["args"] as? [String])?.first)
    XCTAssertTrue(script.contains("recur run /etc/recur/nightly.toml --worker-id \"nightly-$(WORKER_INDEX)\""), script)
    XCTAssertTrue(script.contains("-le 1 ]; then exit 0"), "exit 1 (some documents failed) is a worker's success")

    let environment = try XCTUnwrap(container["env"] as? [[String: Any]])
    let index = try XCTUnwrap(environment.first { $0["name"] as? String == "WORKER_INDEX" })
    XCTAssertEqual(
      value(index, "valueFrom.fieldRef.fieldPath") as? String,
      "metadata.annotations['batch.kubernetes.io/job-completion-index']")
    let password = try XCTUnwrap(environment.first { $0["name"] as? String == "PGPASSWORD" })
    XCTAssertEqual(value(password, "valueFrom.secretKeyRef.name") as? String, value(secret, "metadata.name") as? String)
    let key = try XCTUnwrap(value(password, "valueFrom.secretKeyRef.key") as? String)
    XCTAssertNotNil(value(secret, "stringData.\(key)"), "the Secret has the key the pods read")

    // The job file comes from the ConfigMap, the reports go to the claimed volume.
    let volumes = try XCTUnwrap(value(job, "spec.template.spec.volumes") as? [[String: Any]])
    let mounts = try XCTUnwrap(container["volumeMounts"] as? [[String: Any]])
    func mountPath(_ volume: [String: Any]?) -> String? {
      mounts.first { $0["name"] as? String == volume?["name"] as? String }?["mountPath"] as? String
    }
    let jobFileVolume = volumes.first {
      value($0, "configMap.name") as? String == value(configMap, "metadata.name") as? String
    }
    XCTAssertEqual(mountPath(jobFileVolume), "/etc/recur")
    let reportVolume = volumes.first {
      value($0, "persistentVolumeClaim.claimName") as? String == value(claim, "metadata.name") as? String
    }
    XCTAssertEqual(value(claim, "spec.accessModes") as? [String], ["ReadWriteMany"], "any worker may write the report")

    let text = try XCTUnwrap((value(configMap, "data") as? [String: Any])?["nightly.toml"] as? String)
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("recur-deploy-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let path = folder.appendingPathComponent("nightly.toml").path
    try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    let jobFile = try JobFile.load(path: path)
    XCTAssertEqual(jobFile.reportDirectory, mountPath(reportVolume))
    let url = try XCTUnwrap(jobFile.storeURL)
    XCTAssertFalse(url.contains(":change-me@"), "no password in the job file")
    XCTAssertEqual(jobFile.leaseSeconds, 60)
  }

  func testTheCronJobRunsTheSameIndexedJob() throws {
    let job = try yaml("job.yaml")
    let cron = try yaml("cronjob.yaml")
    XCTAssertEqual(value(cron, "kind") as? String, "CronJob")
    XCTAssertEqual(value(cron, "spec.concurrencyPolicy") as? String, "Forbid")
    let schedule = try XCTUnwrap(value(cron, "spec.schedule") as? String)
    XCTAssertEqual(schedule.split(separator: " ").count, 5, schedule)
    var spec = try XCTUnwrap(value(job, "spec") as? [String: Any])
    spec["ttlSecondsAfterFinished"] = nil
    let template = try XCTUnwrap(value(cron, "spec.jobTemplate.spec") as? [String: Any])
    XCTAssertEqual(NSDictionary(dictionary: template), NSDictionary(dictionary: spec), "the two recipes agree")
  }

  func testTheSlurmArrayScriptIsValidShellAndNamesEachWorker() throws {
    let path = Self.deploy.appendingPathComponent("slurm/recur-array.sbatch").path
    let text = try String(contentsOfFile: path, encoding: .utf8)
    XCTAssertTrue(text.hasPrefix("#!/bin/bash\n"))
    XCTAssertTrue(text.contains("\n#SBATCH --array=0-"), "an array job")
    XCTAssertTrue(text.contains("--worker-id \"slurm-${SLURM_ARRAY_JOB_ID}-${SLURM_ARRAY_TASK_ID}\""))
    XCTAssertTrue(FileManager.default.isExecutableFile(atPath: path))
    let check = try RecurCLI.run(in: "/bin/bash", ["-n", path])
    XCTAssertEqual(check.status, 0, check.err)
  }

  func testTheImageCarriesTheModelsWhereRecurLooks() throws {
    let text = try String(contentsOf: Self.deploy.appendingPathComponent("Dockerfile"), encoding: .utf8)
    XCTAssertTrue(text.contains("swift build -c release --product recur"))
    XCTAssertTrue(text.contains("cp -R models /out/usr/local/share/recur/models"))
    XCTAssertTrue(text.contains("RECUR_MODELS=/usr/local/share/recur/models"))
    // Each system library the package links has its runtime package in the image.
    for (build, runtime) in [
      ("libcurl4-openssl-dev", "libcurl4"), ("libxml2-dev", "libxml2"), ("libpq-dev", "libpq5"),
      ("zlib1g-dev", "zlib1g"),
    ] {
      XCTAssertTrue(text.contains(build), build)
      XCTAssertTrue(text.contains(" " + runtime), runtime)
    }
    // And none it no longer links (the engine has no BLAS library since December 2026).
    XCTAssertFalse(text.lowercased().contains("blas"))
  }
}

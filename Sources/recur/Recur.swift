import ArgumentParser
import RecurFetch
import RecurJobs
import RecurNN

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

@main
struct Recur: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "recur",
    abstract: "Fetch review and article pages, label their sentiment and names, and report.",
    discussion: """
      Exit codes: 0 all good; 1 finished but some documents failed (the output says which \
      and why), or a run was stopped by a signal; 2 usage or configuration error, or the job \
      is already running; 3 fatal.
      """,
    version: FetchSettings.recurVersion,
    subcommands: [
      Run.self, Report.self, Status.self, Fetch.self, Extract.self, Label.self, Train.self, Eval.self, Models.self,
    ]
  )

  /// Runs the command and maps every error to the exit codes of DESIGN.md: argument
  /// errors are 2 (ArgumentParser's own default would be 64).
  static func main() {
    // Past a file-size limit (`ulimit -f`), a write fails with EFBIG and the store or the
    // report says so, instead of the signal killing the process mid-write.
    signal(SIGXFSZ, SIG_IGN)
    // Buffers freed by one training or tagging step are reused by the next, not mapped anew.
    FreedMemory.retain()
    do {
      var command = try parseAsRoot()
      try command.run()
    } catch let error as RecurError {
      Console.error("recur: \(error)")
      Glibc.exit(error.status.rawValue)
    } catch let code as ExitCode {
      Glibc.exit(code.rawValue)
    } catch {
      let code = exitCode(for: error)
      if code == .success {
        Console.out(fullMessage(for: error))
        Glibc.exit(0)
      }
      Console.error(fullMessage(for: error))
      Glibc.exit(ExitStatus.usage.rawValue)
    }
  }
}

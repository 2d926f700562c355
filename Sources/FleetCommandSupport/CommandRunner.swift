import ArgumentParser
import FleetModel

#if canImport(Glibc)
import Glibc
#endif

/// An error that decides the process's exit code itself (for example 3: "not healthy").
public protocol ExitCodeProviding: Error {
    var exitCode: Int32 { get }
}

/// The exit codes every fleet binary documents.
public enum FleetExitCode {
    public static let success: Int32 = 0
    /// The command ran and failed (render error, unreachable hub, ...).
    public static let failure: Int32 = 1
    /// The command line was wrong: unknown flag, missing argument, invalid value.
    public static let usage: Int32 = 2
    /// Ran fine but the fleet is not healthy, or a drill missed its SLA.
    public static let notHealthy: Int32 = 3
}

/// Runs a root command with the project's exit-code contract instead of ArgumentParser's
/// defaults (which use 64 for usage errors): 0 ok, 1 failure, 2 usage, and whatever an
/// `ExitCodeProviding` error asks for. Errors are printed as `error: ...` on stderr.
/// The command runs on a thread with a large stack (`LargeStack`): rendering and templates
/// recurse as deep as their inputs from Git are allowed to nest.
public func runCommand<Command: ParsableCommand>(_ type: Command.Type, arguments: [String]? = nil) -> Never {
    do {
        var command = try type.parseAsRoot(arguments)
        try LargeStack.run { try command.run() }
        exit(FleetExitCode.success)
    } catch {
        exit(report(error, for: type))
    }
}

/// The async variant, for commands whose `run` is async.
public func runAsyncCommand<Command: AsyncParsableCommand>(_ type: Command.Type, arguments: [String]? = nil) async -> Never {
    do {
        var command = try type.parseAsRoot(arguments)
        if var asyncCommand = command as? AsyncParsableCommand {
            try await asyncCommand.run()
        } else {
            try command.run()
        }
        exit(FleetExitCode.success)
    } catch {
        exit(report(error, for: type))
    }
}

/// Prints `error` the way the user should see it and returns the exit code it maps to.
public func report<Command: ParsableCommand>(_ error: Error, for type: Command.Type) -> Int32 {
    if let provided = error as? ExitCodeProviding {
        printError("error: \(error)")
        return provided.exitCode
    }
    let code = type.exitCode(for: error)
    if code == .success {
        // --help and --version print through ArgumentParser.
        print(type.fullMessage(for: error))
        return FleetExitCode.success
    }
    if code == .validationFailure {
        printError(type.fullMessage(for: error))
        return FleetExitCode.usage
    }
    if let exit = error as? ExitCode { return exit.rawValue }
    printError("error: \(error)")
    return FleetExitCode.failure
}

/// Writes a line to standard error.
public func printError(_ message: String) {
    writeError(message.hasSuffix("\n") ? message : message + "\n")
}

/// Writes text to standard error as is (unbuffered, so progress lines show at once).
public func writeError(_ text: String) {
    let bytes = Array(text.utf8)
    var offset = 0
    while offset < bytes.count {
        let written = bytes[offset...].withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
        if written <= 0 { break }
        offset += written
    }
}

/// A command this build does not implement yet: exit 1 with a message saying what and when,
/// never a silent success.
public struct NotYetBuilt: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

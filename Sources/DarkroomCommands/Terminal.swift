import ArgumentParser
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Secrets for operator commands, read where the process list cannot show them.
public enum Terminal {
    /// The first line of standard input, without its line end (`--password-stdin`).
    public static func firstLineOfStandardInput() throws -> String {
        guard let line = readLine(strippingNewline: true) else {
            throw ValidationError("standard input is empty: give the password on its first line")
        }
        return line
    }

    /// Asks at the terminal with echo turned off; refuses when standard input is not a terminal.
    public static func readSecret(prompt: String) throws -> String {
        guard isatty(STDIN_FILENO) == 1 else {
            throw ValidationError("no terminal to ask for the password: pipe it in with --password-stdin")
        }
        FileHandle.standardError.write(Data(prompt.utf8))
        var original = termios()
        tcgetattr(STDIN_FILENO, &original)
        var silent = original
        silent.c_lflag &= ~tcflag_t(ECHO)
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &silent)
        defer {
            tcsetattr(STDIN_FILENO, TCSAFLUSH, &original)
            FileHandle.standardError.write(Data("\n".utf8))
        }
        guard let line = readLine(strippingNewline: true) else { throw ValidationError("no password given") }
        return line
    }
}

package io.pidspawn;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Where one of a child's fds comes from: this process's own, /dev/null, a file, a new pipe, or a
 * fd of this process.
 *
 * <pre>{@code
 * Command sort = Command.builder("sort")
 *         .stdin(Stdio.readFrom(Path.of("names.txt")))
 *         .stdout(Stdio.writeTo(Path.of("sorted.txt")))
 *         .stderr(Stdio.mergeWithStdout())
 *         .build();
 * }</pre>
 *
 * Files are opened by the child, at each spawn, before exec: {@link #writeTo} truncates the file
 * every time and a file that cannot be opened fails the spawn with a {@link SpawnException} naming
 * it. Relative paths are resolved against this process's working directory when the command is
 * built. {@link #pipe()} gives each spawn a new pipe whose other end is the Child's
 * {@link Child#stdout() stream} (or stdin, or stderr).
 */
public sealed interface Stdio {
    /** The child shares this process's fd: the default for stdin, stdout and stderr. */
    record Inherit() implements Stdio {}

    /** /dev/null: reads see end of file, writes vanish. */
    record Discard() implements Stdio {}

    /** A file opened read-only. */
    record ReadFrom(Path file) implements Stdio {}

    /** A file opened for writing, created (mode 0666 less the umask) if missing, and truncated or appended to. */
    record WriteTo(Path file, boolean append) implements Stdio {}

    /** A new pipe per spawn; this process keeps the other end. Stdin, stdout and stderr only. */
    record Pipe() implements Stdio {}

    /** Stderr goes wherever stdout goes. Stderr only. */
    record MergeWithStdout() implements Stdio {}

    /**
     * A new pseudo-terminal per spawn, the child's controlling terminal: every one of stdin,
     * stdout and stderr given a Pty shares the one terminal of the spawn, the child leads a new
     * session (setsid, then TIOCSCTTY on the replica, as spawn steps), and this process keeps the
     * primary side as {@link Child#terminal()}. The window is {@code columns} x {@code rows};
     * cooked mode with echo is the terminal's default, {@link #inRawMode()} is cfmakeraw(3)'s mode.
     * The first fd's Pty decides the settings.
     */
    record Pty(int columns, int rows, boolean raw, boolean echo) implements Stdio {
        public Pty {
            checkSize(columns, rows);
        }

        static void checkSize(int columns, int rows) {
            if (columns < 1 || columns > 65535 || rows < 1 || rows > 65535) {
                throw new IllegalArgumentException("terminal size " + columns + "x" + rows
                        + ": columns and rows must be 1 to 65535");
            }
        }

        /** The same terminal with another window size. */
        public Pty withSize(int columns, int rows) {
            return new Pty(columns, rows, raw, echo);
        }

        /** Raw mode: no line editing, no signals from keys, no echo, no output processing (cfmakeraw). */
        public Pty inRawMode() {
            return new Pty(columns, rows, true, false);
        }

        /** With echo (the default in cooked mode) or without. */
        public Pty withEcho(boolean on) {
            return new Pty(columns, rows, raw, on);
        }
    }

    /** A fd of this process; the child gets a copy, so the caller may close theirs once the command is built. */
    record Fd(int fd) implements Stdio {
        public Fd {
            if (fd < 0) {
                throw new IllegalArgumentException("fd " + fd + " is negative");
            }
        }
    }

    static Stdio inherit() {
        return new Inherit();
    }

    static Stdio discard() {
        return new Discard();
    }

    static Stdio readFrom(Path file) {
        return new ReadFrom(Objects.requireNonNull(file, "file"));
    }

    static Stdio writeTo(Path file) {
        return new WriteTo(Objects.requireNonNull(file, "file"), false);
    }

    static Stdio appendTo(Path file) {
        return new WriteTo(Objects.requireNonNull(file, "file"), true);
    }

    static Stdio pipe() {
        return new Pipe();
    }

    static Stdio mergeWithStdout() {
        return new MergeWithStdout();
    }

    /** A pseudo-terminal of 80 columns by 24 rows, cooked, with echo. */
    static Pty pty() {
        return new Pty(80, 24, false, true);
    }

    /** A pseudo-terminal of the given size, cooked, with echo. */
    static Pty pty(int columns, int rows) {
        return new Pty(columns, rows, false, true);
    }

    static Stdio fd(int fd) {
        return new Fd(fd);
    }
}

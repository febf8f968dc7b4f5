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

    /**
     * A file opened read-only.
     *
     * @param file the file; not null
     */
    record ReadFrom(Path file) implements Stdio {}

    /**
     * A file opened for writing, created (mode 0666 less the umask) if missing, and truncated or appended to.
     *
     * @param file the file; not null
     * @param append true to append to it, false to truncate it
     */
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
     *
     * @param columns the window's width, 1 to 65535
     * @param rows the window's height, 1 to 65535
     * @param raw whether the terminal starts in raw mode
     * @param echo whether the terminal echoes what it reads
     */
    record Pty(int columns, int rows, boolean raw, boolean echo) implements Stdio {
        /**
         * Checks the size.
         *
         * @throws IllegalArgumentException if a dimension is out of range
         */
        public Pty {
            checkSize(columns, rows);
        }

        static void checkSize(int columns, int rows) {
            if (columns < 1 || columns > 65535 || rows < 1 || rows > 65535) {
                throw new IllegalArgumentException("terminal size " + columns + "x" + rows
                        + ": columns and rows must be 1 to 65535");
            }
        }

        /**
         * The same terminal with another window size.
         *
         * @param columns the window's width, 1 to 65535
         * @param rows the window's height, 1 to 65535
         * @return a new Pty
         */
        public Pty withSize(int columns, int rows) {
            return new Pty(columns, rows, raw, echo);
        }

        /**
         * Raw mode: no line editing, no signals from keys, no echo, no output processing (cfmakeraw).
         *
         * @return a new Pty
         */
        public Pty inRawMode() {
            return new Pty(columns, rows, true, false);
        }

        /**
         * With echo (the default in cooked mode) or without.
         *
         * @param on whether to echo
         * @return a new Pty
         */
        public Pty withEcho(boolean on) {
            return new Pty(columns, rows, raw, on);
        }
    }

    /**
     * A fd of this process; the child gets a copy, so the caller may close theirs once the command is built.
     *
     * @param fd the fd number in this process, 0 or more
     */
    record Fd(int fd) implements Stdio {
        /**
         * Checks the number.
         *
         * @param fd the fd number in this process
         * @throws IllegalArgumentException if {@code fd} is negative
         */
        public Fd {
            if (fd < 0) {
                throw new IllegalArgumentException("fd " + fd + " is negative");
            }
        }
    }

    /**
     * The child shares this process's fd (the default).
     *
     * @return an {@link Inherit}
     */
    static Stdio inherit() {
        return new Inherit();
    }

    /**
     * /dev/null, read or written.
     *
     * @return a {@link Discard}
     */
    static Stdio discard() {
        return new Discard();
    }

    /**
     * A file the child reads, opened read-only at each spawn.
     *
     * @param file the file; not null
     * @return a {@link ReadFrom}
     * @throws NullPointerException if {@code file} is null
     */
    static Stdio readFrom(Path file) {
        return new ReadFrom(Objects.requireNonNull(file, "file"));
    }

    /**
     * A file the child writes, created if missing and truncated at each spawn.
     *
     * @param file the file; not null
     * @return a {@link WriteTo} that truncates
     * @throws NullPointerException if {@code file} is null
     */
    static Stdio writeTo(Path file) {
        return new WriteTo(Objects.requireNonNull(file, "file"), false);
    }

    /**
     * A file the child appends to, created if missing.
     *
     * @param file the file; not null
     * @return a {@link WriteTo} that appends
     * @throws NullPointerException if {@code file} is null
     */
    static Stdio appendTo(Path file) {
        return new WriteTo(Objects.requireNonNull(file, "file"), true);
    }

    /**
     * A new pipe per spawn, read or written through the Child's {@link Child#stdout() streams}.
     *
     * @return a {@link Pipe}
     */
    static Stdio pipe() {
        return new Pipe();
    }

    /**
     * Stderr to wherever stdout goes, as the shell's {@code 2>&1}; for stderr only.
     *
     * @return a {@link MergeWithStdout}
     */
    static Stdio mergeWithStdout() {
        return new MergeWithStdout();
    }

    /**
     * A pseudo-terminal of 80 columns by 24 rows, cooked, with echo.
     *
     * @return a {@link Pty}
     */
    static Pty pty() {
        return new Pty(80, 24, false, true);
    }

    /**
     * A pseudo-terminal of the given size, cooked, with echo.
     *
     * @param columns the window's width, 1 to 65535
     * @param rows the window's height, 1 to 65535
     * @return a {@link Pty}
     * @throws IllegalArgumentException if a dimension is out of range
     */
    static Pty pty(int columns, int rows) {
        return new Pty(columns, rows, false, true);
    }

    /**
     * A copy of this process's fd; the caller keeps and closes its own.
     *
     * @param fd the fd number in this process, 0 or more
     * @return an {@link Fd}
     * @throws IllegalArgumentException if {@code fd} is negative
     */
    static Stdio fd(int fd) {
        return new Fd(fd);
    }
}

package io.pidspawn.cli;

import static io.pidspawn.uapi.PidfdSpawn.KEY_FD_PREFIX;
import static io.pidspawn.uapi.PidfdSpawn.PIDFD_CONFIG_SET_FD;

import io.pidspawn.ErrnoException;
import io.pidspawn.Errno;
import io.pidspawn.Stdio;
import io.pidspawn.Terminal;
import io.pidspawn.internal.linux.Libc;
import io.pidspawn.internal.linux.Termios;
import io.pidspawn.uapi.PidfdSpawn;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * {@code pidspawn run --pty}: the program's own pseudo-terminal, relayed to pidspawn's stdin and
 * stdout, as script(1) and {@code ssh -t} relay theirs. What the program writes to its terminal
 * is copied to stdout as the terminal made it ({@code \r\n}); what comes on stdin is typed into
 * it, so Ctrl-C, Ctrl-Z and Ctrl-\ become the program's signals through its own line discipline.
 * (The program leads its session from outside it, so its process group is orphaned and the
 * kernel discards a stop by SIGTSTP's default action; a job-control shell inside stops its jobs.)
 *
 * <p>When stdin is a terminal, it is in raw mode while the program runs (its keys go to the
 * program, not to pidspawn's terminal), and its modes are put back exactly as they were by
 * {@link #close()}, which {@code run} calls on every way out; a shutdown hook does it too if the
 * JVM exits some other way. The window size is the caller's terminal's (stdin's, else stdout's)
 * at the start and after every SIGWINCH, unless {@code --pty-size} fixed it. When stdin is not a
 * terminal, its end is typed as the terminal's end of file ({@link Terminal#EOF}).
 *
 * <p>Two threads, started once the program runs: one copies the terminal to stdout, the other
 * stdin to the terminal (polling, so that it stops reading as soon as the program is done, and
 * leaves what the user types next to the shell).
 */
final class PtyRelay implements AutoCloseable {
    private static final Pattern SIZE = Pattern.compile("(\\d{1,9})x(\\d{1,9})");

    /**
     * How long the output may stay silent, once the program was reaped, before pidspawn stops
     * waiting for its end: something the program left behind (a daemon) may hold the terminal
     * open for ever. The program's own output is never cut by it: it was written before it exited.
     */
    private static final Duration QUIET_AFTER_EXIT = Duration.ofMillis(500);

    private static final int POLL_MILLIS = 100;

    /** How long the end of a piped stdin waits for the program to read what came before it. */
    private static final Duration INPUT_READ_WAIT = Duration.ofSeconds(10);

    private final Terminal terminal;
    private final int sizeFrom; // the caller's terminal whose size the pty follows, or -1
    private byte[] callerModes; // stdin's modes before raw mode; null while they are unchanged
    private Thread restoreHook;
    private SignalHandler previousWinch;
    private Thread output;
    private Thread input;
    private volatile boolean stopping;
    private volatile long lastOutputNanos;
    private final CountDownLatch outputEnded = new CountDownLatch(1);

    private PtyRelay(Terminal terminal, int sizeFrom) {
        this.terminal = terminal;
        this.sizeFrom = sizeFrom;
    }

    /**
     * Opens the program's pty: {@code size} (COLSxROWS) or the caller's terminal's size, else 80x24.
     *
     * @throws IllegalArgumentException for a malformed --pty-size
     * @throws ErrnoException if no pty can be had
     */
    static PtyRelay open(String size, String program) throws ErrnoException {
        Stdio.Pty pty = Stdio.pty();
        int sizeFrom = -1;
        if (size != null) {
            pty = parseSize(size);
        } else {
            for (int fd = 0; fd <= 1 && sizeFrom < 0; fd++) {
                int[] caller = Termios.windowSize(fd);
                if (caller != null) {
                    sizeFrom = fd;
                    pty = pty.withSize(caller[0], caller[1]);
                }
            }
        }
        return new PtyRelay(Terminal.open(pty, program), sizeFrom);
    }

    /** A --pty-size value: COLSxROWS, each 1 to 65535. */
    static Stdio.Pty parseSize(String size) {
        Matcher m = SIZE.matcher(size);
        if (!m.matches()) {
            throw new IllegalArgumentException("--pty-size " + size + ": expected COLSxROWS, such as 120x40");
        }
        try {
            return Stdio.pty(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--pty-size " + size + ": columns and rows must be 1 to 65535");
        }
    }

    /** The builder's keys: the pty is stdin, stdout, stderr and the controlling terminal (in a new session). */
    void configure(int builder) throws ErrnoException {
        int replica = terminal.replicaFd();
        for (int fd = 0; fd <= 2; fd++) {
            PidfdSpawn.pidfd_config(builder, PIDFD_CONFIG_SET_FD, KEY_FD_PREFIX + fd, (String) null, replica);
        }
        PidfdSpawn.pidfd_config(builder, PIDFD_CONFIG_SET_FD, "ctty", (String) null, replica);
    }

    /**
     * The program runs (and the builder, which held copies of the replica, is closed): let go of
     * our replica, so that the terminal's end is the program's; put the caller's terminal in raw
     * mode; start relaying.
     */
    void started() {
        // A piped stdin's end waits on the replica until what came before it is read: the input
        // thread keeps a copy (the same open file, so the pty still ends when the program's does).
        int replica = Libc.isatty(0) ? -1 : Libc.fcntl(terminal.replicaFd(), Libc.F_DUPFD_CLOEXEC, 3);
        terminal.closeReplica();
        lastOutputNanos = System.nanoTime();
        if (sizeFrom >= 0) {
            previousWinch = Signal.handle(new Signal("WINCH"), s -> followSize());
            followSize(); // it may have changed while the program was being started
        }
        enterRawMode();
        output = Thread.ofPlatform().daemon().name("pidspawn-pty-output").start(this::copyOutput);
        input = Thread.ofPlatform().daemon().name("pidspawn-pty-input").start(() -> copyInput(replica));
    }

    /**
     * After the program was reaped: waits until its output has all been copied, that is until the
     * terminal's end, or until it stayed silent for {@link #QUIET_AFTER_EXIT} (something the
     * program started still holds it). Stops reading stdin.
     */
    void finish() throws InterruptedException {
        stopping = true;
        if (output == null) {
            return;
        }
        input.join(Duration.ofMillis(2 * POLL_MILLIS)); // its copy of the replica closed, the terminal can end
        lastOutputNanos = Math.max(lastOutputNanos, System.nanoTime());
        while (!outputEnded.await(POLL_MILLIS, TimeUnit.MILLISECONDS)) {
            if (System.nanoTime() - lastOutputNanos > QUIET_AFTER_EXIT.toNanos()) {
                break;
            }
        }
    }

    /** Puts the caller's terminal back as it was, stops relaying and closes the pty. Safe to call more than once. */
    @Override
    public void close() {
        stopping = true;
        restoreModes();
        if (restoreHook != null) {
            try {
                Runtime.getRuntime().removeShutdownHook(restoreHook);
            } catch (IllegalStateException exiting) {
                // the hook runs or ran: the modes are back either way
            }
            restoreHook = null;
        }
        if (previousWinch != null) {
            Signal.handle(new Signal("WINCH"), previousWinch);
            previousWinch = null;
        }
        terminal.close(); // wakes the output thread, if something still holds the replica
        joinQuietly(output);
        joinQuietly(input);
    }

    private static void joinQuietly(Thread t) {
        if (t == null) {
            return;
        }
        try {
            t.join(Duration.ofMillis(2 * POLL_MILLIS));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void followSize() {
        int[] size = Termios.windowSize(sizeFrom);
        if (size == null) {
            return;
        }
        try {
            terminal.resize(size[0], size[1]);
        } catch (ErrnoException | IllegalStateException | IllegalArgumentException e) {
            // closed meanwhile, or a size the pty cannot take: the program keeps the old one
        }
    }

    private void enterRawMode() {
        int[] err = new int[1];
        byte[] modes = Libc.isatty(0) ? Termios.get(0, err) : null;
        if (modes == null) {
            return;
        }
        synchronized (this) {
            callerModes = modes;
        }
        restoreHook = new Thread(this::restoreModes, "pidspawn-pty-restore");
        Runtime.getRuntime().addShutdownHook(restoreHook);
        if (Termios.set(0, Termios.raw(modes)) < 0) {
            restoreModes(); // the terminal stays as it is; the relay works the same, only keys are cooked
        }
    }

    private synchronized void restoreModes() {
        if (callerModes != null) {
            int r;
            while ((r = Termios.set(0, callerModes)) == -Errno.EINTR) {
                // retry
            }
            if (r < 0 && r != -Errno.EIO && r != -Errno.ENOTTY) { // EIO, ENOTTY: the terminal is gone
                System.err.println("pidspawn: cannot restore the terminal's modes (errno " + -r + "); `stty sane` resets them");
            }
            callerModes = null;
        }
    }

    /** The terminal to stdout, until the terminal's end; if stdout goes away, the program's terminal is hung up. */
    private void copyOutput() {
        byte[] buf = new byte[64 * 1024];
        InputStream from = terminal.inputStream();
        OutputStream to = new FileOutputStream(FileDescriptor.out);
        try {
            int n;
            while ((n = from.read(buf)) > 0) {
                lastOutputNanos = System.nanoTime();
                try {
                    to.write(buf, 0, n);
                } catch (IOException readerGone) {
                    terminal.close(); // as a terminal closed under it: the program gets SIGHUP
                    break;
                }
            }
        } catch (IOException closed) {
            // close() closed the terminal: nothing more to copy
        } finally {
            outputEnded.countDown();
        }
    }

    /**
     * Stdin to the terminal, until stdin ends, the program is done, or the terminal is closed;
     * {@code replica} (or -1) is this thread's to close.
     */
    private void copyInput(int replica) {
        boolean typed = Libc.isatty(0); // a terminal's end is the user's; a pipe's or file's is the program's EOF
        OutputStream to = terminal.outputStream();
        boolean atLineStart = true;
        try (Arena a = Arena.ofConfined()) {
            MemorySegment seg = a.allocate(16 * 1024);
            while (!stopping) {
                int revents = Libc.pollOne(0, Libc.POLLIN, POLL_MILLIS);
                if (revents == 0 || revents == -Errno.EINTR) {
                    continue;
                }
                if (revents < 0 || (revents & Libc.POLLNVAL) != 0) {
                    return; // no stdin at all
                }
                if (stopping) {
                    return; // leave what came now to whoever reads stdin next
                }
                long n = Libc.read(0, seg, seg.byteSize());
                if (n == -Errno.EINTR || n == -Errno.EAGAIN) {
                    continue;
                }
                if (n <= 0) {
                    if (!typed) {
                        endOfInput(terminal, replica, atLineStart, () -> stopping);
                    }
                    return;
                }
                byte[] bytes = seg.asSlice(0, n).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
                to.write(bytes);
                to.flush();
                atLineStart = bytes[bytes.length - 1] == '\n';
            }
        } catch (IOException | IllegalStateException closed) {
            // the terminal was closed: the program is done
        } finally {
            if (replica >= 0) {
                Libc.close(replica);
            }
        }
    }

    /**
     * Types the end of the input, as the user would at a terminal: {@link Terminal#EOF} at the
     * start of a line; after a line without its newline, one more first, which hands that line to
     * the program's read. With the replica ({@code replica}, else -1: no wait) it waits first, at
     * most {@link #INPUT_READ_WAIT} and not once {@code done} says the program is done, until the
     * program has read the lines typed before: a program that sets its terminal's modes when it
     * starts reading (readline, a REPL) takes an end typed earlier as nothing, one typed after as
     * its Ctrl-D.
     */
    static void endOfInput(Terminal terminal, int replica, boolean atLineStart, BooleanSupplier done) throws IOException {
        long deadline = System.nanoTime() + INPUT_READ_WAIT.toNanos();
        while (replica >= 0 && !done.getAsBoolean() && System.nanoTime() < deadline && lineWaiting(replica)) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        OutputStream to = terminal.outputStream();
        to.write(atLineStart ? new byte[] {Terminal.EOF} : new byte[] {Terminal.EOF, Terminal.EOF});
        to.flush();
    }

    /**
     * Whether the program's side of the pty holds a line it has not read (poll(2) on the replica).
     * The replica must be a copy of the program's own open file, never one opened again by name:
     * closing a second open file of a pty's replica ends the terminal for the first too.
     */
    private static boolean lineWaiting(int replica) {
        int revents = Libc.pollOne(replica, Libc.POLLIN, 0);
        return revents > 0 && (revents & Libc.POLLIN) != 0;
    }
}

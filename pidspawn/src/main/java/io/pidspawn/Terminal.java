package io.pidspawn;

import io.pidspawn.internal.linux.Libc;
import io.pidspawn.internal.linux.Termios;
import io.pidspawn.internal.reaper.PipeChannels;
import io.pidspawn.internal.reaper.PipeEnd;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.Channels;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;

/**
 * This process's side of a child's pseudo-terminal ({@link Stdio#pty()}): the primary end of the
 * pair whose replica the child has as its controlling terminal. What the child writes to the
 * terminal is read from {@link #inputStream()}; what is written to {@link #outputStream()} is
 * what the child reads, as if typed, line discipline and all (in cooked mode {@code \003} is
 * Ctrl-C and sends SIGINT to the foreground group, {@code \004} at the start of a line is end
 * of file).
 *
 * <pre>{@code
 * try (Command sh = Command.builder("sh").args("-c", "[ -t 0 ] && read name; echo \"hello $name\"; stty size")
 *         .stdin(Stdio.pty(120, 40).withEcho(false)).stdout(Stdio.pty()).stderr(Stdio.pty()).build();
 *      Child child = sh.spawn()) {
 *     Terminal tty = child.terminal();                    // this side of the child's /dev/pts/N
 *     tty.resize(100, 30);                                // TIOCSWINSZ: SIGWINCH to its foreground group
 *     tty.outputStream().write("world\n".getBytes());     // read by the child as if typed
 *     String screen = new String(tty.inputStream().readAllBytes(), StandardCharsets.UTF_8);
 *     ExitStatus status = child.waitFor();                // screen: "hello world\r\n30 100\r\n"
 * }
 * }</pre>
 *
 * Reading ends (end of stream, never an error) once the child and everything that inherited the
 * replica have closed it; what they wrote before is read first. The Child owns the primary: it is
 * closed with the Child, and its streams are then closed too. Closing {@link #outputStream()}
 * does not close the terminal (the child would lose its output too): send {@link #EOF} instead.
 */
public final class Terminal implements AutoCloseable {
    /** The byte that, written at the start of a line in cooked mode, makes the child's read return end of file. */
    public static final byte EOF = 4;

    private final PipeEnd primary;
    private final String name;
    private ReadableByteChannel reads; // created on demand, guarded by this
    private WritableByteChannel writes;
    private InputStream in;
    private OutputStream out;
    private int replica = -1; // open(Pty, String)'s, until closeReplica(); guarded by this

    private Terminal(PipeEnd primary, String name) {
        this.primary = primary;
        this.name = name;
    }

    /**
     * Opens a new pty as {@code pty} asks: {@code [primary, replica]} as a Terminal and the
     * replica's fd (close-on-exec, which the spawn dup2s onto the child's fds). On failure
     * nothing is left open.
     */
    static Terminal open(Stdio.Pty pty, String program, int[] replica) throws ErrnoException {
        int ptmx = Libc.openat(Libc.AT_FDCWD, "/dev/ptmx", Libc.O_RDWR | Libc.O_NOCTTY | Libc.O_CLOEXEC, 0);
        if (ptmx < 0) {
            throw new ErrnoException("open", -ptmx, "/dev/ptmx for the pty of " + program);
        }
        int peer = -1;
        boolean taken = false;
        try (Arena a = Arena.ofConfined()) {
            MemorySegment n = a.allocate(ValueLayout.JAVA_INT);
            check(Libc.ioctl(ptmx, Libc.TIOCSPTLCK, n), "TIOCSPTLCK (unlockpt)"); // n is 0: unlock
            check(Libc.ioctl(ptmx, Libc.TIOCGPTN, n), "TIOCGPTN (ptsname)");
            String name = "/dev/pts/" + n.get(ValueLayout.JAVA_INT, 0);
            // TIOCGPTPEER opens the replica through the primary, so no other pts mount can be
            // confused for ours (4.13); its int argument is the open flags, passed as the pointer.
            peer = Libc.ioctl(ptmx, Libc.TIOCGPTPEER,
                    MemorySegment.ofAddress(Libc.O_RDWR | Libc.O_NOCTTY | Libc.O_CLOEXEC));
            if (peer < 0) {
                peer = Libc.openat(Libc.AT_FDCWD, name, Libc.O_RDWR | Libc.O_NOCTTY | Libc.O_CLOEXEC, 0);
            }
            check(peer, "open " + name);
            setSize(ptmx, pty.columns(), pty.rows(), a);
            if (pty.raw() || !pty.echo()) {
                int[] err = new int[1];
                byte[] modes = Termios.get(peer, err);
                check(modes == null ? err[0] : 0, "TCGETS");
                if (pty.raw()) {
                    modes = Termios.raw(modes);
                }
                check(Termios.set(peer, pty.echo() ? modes : Termios.echo(modes, false)), "TCSETS");
            }
            taken = true; // takeTerminal owns ptmx from here, and closes it if it fails
            Terminal t = new Terminal(PipeEnd.takeTerminal(ptmx, "pty " + name + " of " + program), name);
            replica[0] = peer;
            return t;
        } catch (ErrnoException | RuntimeException e) {
            if (peer >= 0) {
                Libc.close(peer);
            }
            if (!taken) {
                Libc.close(ptmx);
            }
            throw e;
        }
    }

    /**
     * Opens a new pseudo-terminal that no Child owns, for a spawn made through the builder UAPI
     * ({@link io.pidspawn.uapi.PidfdSpawn}), where {@link Stdio#pty()} cannot be given: the child
     * gets {@link #replicaFd()} as its stdin, stdout and stderr (the {@code fd.0}, {@code fd.1}
     * and {@code fd.2} keys) and as its controlling terminal (the {@code ctty} key, which implies
     * a new session). Once the child is spawned and the builder closed, {@link #closeReplica()}:
     * reading this side ends only when no process holds the replica any more. The caller owns the
     * terminal and closes it.
     *
     * @param pty the window size and modes
     * @param program the program it is for, as messages name it
     * @return the terminal, its replica open
     * @throws ErrnoException if /dev/ptmx cannot be opened or the new pty set up; nothing is left open then
     */
    public static Terminal open(Stdio.Pty pty, String program) throws ErrnoException {
        int[] peer = new int[1];
        Terminal t = open(pty, program, peer);
        t.replica = peer[0];
        return t;
    }

    /**
     * The replica's fd in this process, from {@link #open(Stdio.Pty, String)} until
     * {@link #closeReplica()}: close-on-exec, for the builder's keys to copy.
     *
     * @return the fd number
     * @throws IllegalStateException if the replica is closed, or the terminal is a Child's
     */
    public synchronized int replicaFd() {
        if (replica < 0) {
            throw new IllegalStateException(name + ": this process holds no replica (closed, or the terminal is a Child's)");
        }
        return replica;
    }

    /** Closes this process's replica fd, if it holds one; the child keeps its own. Later calls do nothing. */
    public synchronized void closeReplica() {
        if (replica >= 0) {
            Libc.close(replica);
            replica = -1;
        }
    }

    /**
     * Closes the primary (and the replica if this process still holds it): the child's terminal
     * is hung up, and its streams end. A Child's terminal is closed with the Child; this closes
     * it earlier. Later calls do nothing.
     */
    @Override
    public void close() {
        closeReplica();
        primary.close();
    }

    private static void check(int r, String what) throws ErrnoException {
        if (r < 0) {
            throw new ErrnoException("ioctl", -r, what + " on a new pty");
        }
    }

    private static void setSize(int fd, int columns, int rows, Arena a) throws ErrnoException {
        MemorySegment ws = a.allocate(8); // struct winsize: ws_row, ws_col, ws_xpixel, ws_ypixel
        ws.set(ValueLayout.JAVA_SHORT, 0, (short) rows);
        ws.set(ValueLayout.JAVA_SHORT, 2, (short) columns);
        check(Libc.ioctl(fd, Libc.TIOCSWINSZ, ws), "TIOCSWINSZ");
    }

    /**
     * The replica's name as the child sees it: {@code /dev/pts/3}.
     *
     * @return the device path
     */
    public String name() {
        return name;
    }

    /**
     * Sets the window size (TIOCSWINSZ); the kernel sends SIGWINCH to the terminal's foreground
     * process group when it changes.
     *
     * @param columns the new width, 1 to 65535
     * @param rows the new height, 1 to 65535
     * @throws ErrnoException if the ioctl fails
     * @throws IllegalArgumentException if a size is not 1 to 65535
     * @throws IllegalStateException if the terminal is closed
     */
    public void resize(int columns, int rows) throws ErrnoException {
        Stdio.Pty.checkSize(columns, rows);
        int fd = fd();
        try (Arena a = Arena.ofConfined()) {
            setSize(fd, columns, rows, a);
        }
    }

    /**
     * The window size (TIOCGWINSZ).
     *
     * @return {@code {columns, rows}}
     * @throws ErrnoException if the ioctl fails
     */
    public int[] size() throws ErrnoException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment ws = a.allocate(8);
            int r = Libc.ioctl(fd(), Libc.TIOCGWINSZ, ws);
            if (r < 0) {
                throw new ErrnoException("ioctl", -r, "TIOCGWINSZ on " + name);
            }
            return new int[] {Short.toUnsignedInt(ws.get(ValueLayout.JAVA_SHORT, 2)),
                    Short.toUnsignedInt(ws.get(ValueLayout.JAVA_SHORT, 0))};
        }
    }

    /**
     * The primary's fd, borrowed: it is non-blocking, owned by the Child and closed with it. For
     * ioctls of your own (termios); reading it yourself races the streams.
     *
     * @return the fd number
     * @throws IllegalStateException if the terminal is closed
     */
    public int fd() {
        int fd = primary.fdNumber();
        if (fd < 0) {
            throw new IllegalStateException(name + " is closed");
        }
        return fd;
    }

    /**
     * What the child writes to the terminal, CR/LF as the terminal made them; end of stream once every writer closed it.
     *
     * @return the stream, the same one on every call
     */
    public synchronized InputStream inputStream() {
        if (in == null) {
            in = PipeChannels.inputStream(primary, readChannel());
        }
        return in;
    }

    /**
     * What the child reads from the terminal. Its close() flushes and leaves the terminal open.
     *
     * @return the stream, the same one on every call
     */
    public synchronized OutputStream outputStream() {
        if (out == null) {
            out = new FilterOutputStream(Channels.newOutputStream(writeChannel())) {
                @Override
                public void write(byte[] b, int off, int len) throws IOException {
                    out.write(b, off, len);
                }

                @Override
                public void close() throws IOException {
                    flush();
                }
            };
        }
        return out;
    }

    /**
     * {@link #inputStream()} as a channel (the same primary).
     *
     * @return the channel, the same one on every call
     */
    public synchronized ReadableByteChannel readChannel() {
        if (reads == null) {
            reads = PipeChannels.source(primary, this);
        }
        return reads;
    }

    /**
     * {@link #outputStream()} as a channel; closing it closes the terminal.
     *
     * @return the channel, the same one on every call
     */
    public synchronized WritableByteChannel writeChannel() {
        if (writes == null) {
            writes = PipeChannels.sink(primary, this);
        }
        return writes;
    }

    PipeEnd primary() {
        return primary;
    }

    @Override
    public String toString() {
        return "Terminal[" + name + "]";
    }
}

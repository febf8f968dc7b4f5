package io.pidspawn.internal.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * A terminal's modes as the kernel's {@code struct termios} (asm-generic/termbits.h: four flag
 * words, c_line, c_cc[19]; 36 bytes, what TCGETS and TCSETS take), kept as bytes so that they
 * can be put back exactly as they were: the pty of a {@code Stdio.pty()} child and the terminal
 * {@code pidspawn run --pty} is started on both use it.
 */
public final class Termios {
    private Termios() {}

    /** sizeof(struct termios) for TCGETS/TCSETS. */
    public static final int SIZE = 36;

    private static final int ICRNL = 0400, IXON = 02000, IGNBRK = 01, BRKINT = 02, PARMRK = 010, ISTRIP = 040,
            INLCR = 0100, IGNCR = 0200, OPOST = 01, CSIZE = 060, CS8 = 060, PARENB = 0400,
            ISIG = 01, ICANON = 02, ECHO = 010, ECHONL = 0100, IEXTEN = 0100000;
    private static final int C_CC = 17, VTIME = 5, VMIN = 6;

    /**
     * TCGETS: the modes of the terminal at fd.
     *
     * @return the modes, or null if fd is not a terminal (or the ioctl failed: {@code err[0]} has the -errno)
     */
    public static byte[] get(int fd, int[] err) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment t = a.allocate(SIZE);
            int r = Libc.ioctl(fd, Libc.TCGETS, t);
            if (r < 0) {
                err[0] = r;
                return null;
            }
            return t.toArray(ValueLayout.JAVA_BYTE);
        }
    }

    /** TCSETS (TCSANOW): the terminal at fd takes {@code modes}; 0 or -errno. */
    public static int set(int fd, byte[] modes) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment t = a.allocate(SIZE);
            t.copyFrom(MemorySegment.ofArray(modes));
            return Libc.ioctl(fd, Libc.TCSETS, t);
        }
    }

    /**
     * {@code modes} as cfmakeraw(3) leaves them: no line editing, no signals from keys, no echo,
     * no output processing, 8-bit characters, reads that return each byte as it comes.
     */
    public static byte[] raw(byte[] modes) {
        MemorySegment t = MemorySegment.ofArray(modes.clone());
        int iflag = t.get(ValueLayout.JAVA_INT_UNALIGNED, 0), oflag = t.get(ValueLayout.JAVA_INT_UNALIGNED, 4);
        int cflag = t.get(ValueLayout.JAVA_INT_UNALIGNED, 8), lflag = t.get(ValueLayout.JAVA_INT_UNALIGNED, 12);
        iflag &= ~(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL | IXON);
        oflag &= ~OPOST;
        lflag &= ~(ECHO | ECHONL | ICANON | ISIG | IEXTEN);
        cflag = (cflag & ~(CSIZE | PARENB)) | CS8;
        t.set(ValueLayout.JAVA_INT_UNALIGNED, 0, iflag);
        t.set(ValueLayout.JAVA_INT_UNALIGNED, 4, oflag);
        t.set(ValueLayout.JAVA_INT_UNALIGNED, 8, cflag);
        t.set(ValueLayout.JAVA_INT_UNALIGNED, 12, lflag);
        t.set(ValueLayout.JAVA_BYTE, C_CC + VMIN, (byte) 1);
        t.set(ValueLayout.JAVA_BYTE, C_CC + VTIME, (byte) 0);
        return t.toArray(ValueLayout.JAVA_BYTE);
    }

    /** {@code modes} with echo on or off. */
    public static byte[] echo(byte[] modes, boolean on) {
        MemorySegment t = MemorySegment.ofArray(modes.clone());
        int lflag = t.get(ValueLayout.JAVA_INT_UNALIGNED, 12);
        t.set(ValueLayout.JAVA_INT_UNALIGNED, 12, on ? lflag | ECHO : lflag & ~ECHO);
        return t.toArray(ValueLayout.JAVA_BYTE);
    }

    /**
     * TIOCGWINSZ: the window size of the terminal at fd.
     *
     * @return {@code {columns, rows}}, or null if fd is not a terminal or knows no size (0x0)
     */
    public static int[] windowSize(int fd) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment ws = a.allocate(8); // struct winsize: ws_row, ws_col, ws_xpixel, ws_ypixel
            if (Libc.ioctl(fd, Libc.TIOCGWINSZ, ws) < 0) {
                return null;
            }
            int rows = Short.toUnsignedInt(ws.get(ValueLayout.JAVA_SHORT, 0));
            int columns = Short.toUnsignedInt(ws.get(ValueLayout.JAVA_SHORT, 2));
            return rows == 0 || columns == 0 ? null : new int[] {columns, rows};
        }
    }
}

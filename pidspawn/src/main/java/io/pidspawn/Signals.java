package io.pidspawn;

import java.util.Locale;

/** Linux signal numbers and names (x86_64 and aarch64 share them). */
public final class Signals {
    /** Signal 1, described by the C library as "Hangup". */
    public static final int SIGHUP = 1;
    /** Signal 2, described by the C library as "Interrupt". */
    public static final int SIGINT = 2;
    /** Signal 3, described by the C library as "Quit". */
    public static final int SIGQUIT = 3;
    /** Signal 9, described by the C library as "Killed". */
    public static final int SIGKILL = 9;
    /** Signal 10, described by the C library as "User defined signal 1". */
    public static final int SIGUSR1 = 10;
    /** Signal 11, described by the C library as "Segmentation fault". */
    public static final int SIGSEGV = 11;
    /** Signal 12, described by the C library as "User defined signal 2". */
    public static final int SIGUSR2 = 12;
    /** Signal 13, described by the C library as "Broken pipe". */
    public static final int SIGPIPE = 13;
    /** Signal 14, described by the C library as "Alarm clock". */
    public static final int SIGALRM = 14;
    /** Signal 15, described by the C library as "Terminated". */
    public static final int SIGTERM = 15;
    /** Signal 17, described by the C library as "Child exited". */
    public static final int SIGCHLD = 17;
    /** Signal 18, described by the C library as "Continued". */
    public static final int SIGCONT = 18;
    /** Signal 19, described by the C library as "Stopped (signal)". */
    public static final int SIGSTOP = 19;
    /** Signal 20, described by the C library as "Stopped". */
    public static final int SIGTSTP = 20;
    /** Signal 23, described by the C library as "Urgent I/O condition". */
    public static final int SIGURG = 23;
    /** Signal 28, described by the C library as "Window changed". */
    public static final int SIGWINCH = 28;
    /** The highest signal number; real-time signals run from 32 (as the kernel counts) to here. */
    public static final int MAX = 64;

    private static final String[] NAMES = {
        null, "HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT", "BUS", "FPE", "KILL", "USR1", "SEGV", "USR2", "PIPE",
        "ALRM", "TERM", "STKFLT", "CHLD", "CONT", "STOP", "TSTP", "TTIN", "TTOU", "URG", "XCPU", "XFSZ",
        "VTALRM", "PROF", "WINCH", "IO", "PWR", "SYS"
    };

    private Signals() {}

    /**
     * {@code SIGTERM} for 15, {@code SIGRT34} for 34.
     *
     * @param sig a signal number
     * @return its name, or {@code signal N} for a number that is no signal
     */
    public static String name(int sig) {
        if (sig > 0 && sig < NAMES.length) {
            return "SIG" + NAMES[sig];
        }
        return sig >= 32 && sig <= MAX ? "SIGRT" + sig : "signal " + sig;
    }

    /**
     * Parses {@code TERM}, {@code SIGTERM}, {@code sigterm} or {@code 15}.
     *
     * @throws IllegalArgumentException naming the text when it is no Linux signal
     * @param text a name, with or without {@code SIG}, in any case, or a number 1 to {@link #MAX}
     * @return the signal number
     */
    public static int parse(String text) {
        String t = text.trim().toUpperCase(Locale.ROOT);
        if (!t.isEmpty() && t.chars().allMatch(Character::isDigit)) {
            int n = t.length() > 3 ? -1 : Integer.parseInt(t);
            if (n >= 1 && n <= MAX) {
                return n;
            }
        } else {
            String bare = t.startsWith("SIG") ? t.substring(3) : t;
            for (int i = 1; i < NAMES.length; i++) {
                if (NAMES[i].equals(bare)) {
                    return i;
                }
            }
        }
        throw new IllegalArgumentException("not a signal: \"" + text + "\" (expected a name such as TERM or a number 1-64)");
    }

    /**
     * The bit for a signal in a kernel sigset ({@code 1 << (sig - 1)}).
     *
     * @param sig a signal number, 1 to {@link #MAX}
     * @return the bit
     * @throws IllegalArgumentException if {@code sig} is not a signal number
     */
    public static long bit(int sig) {
        if (sig < 1 || sig > MAX) {
            throw new IllegalArgumentException("not a signal number: " + sig);
        }
        return 1L << (sig - 1);
    }
}

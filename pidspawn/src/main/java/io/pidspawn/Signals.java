package io.pidspawn;

import java.util.Locale;

/** Linux signal numbers and names (x86_64 and aarch64 share them). */
public final class Signals {
    public static final int SIGHUP = 1, SIGINT = 2, SIGQUIT = 3, SIGKILL = 9, SIGUSR1 = 10, SIGSEGV = 11,
            SIGUSR2 = 12, SIGPIPE = 13, SIGALRM = 14, SIGTERM = 15, SIGCHLD = 17, SIGCONT = 18, SIGSTOP = 19,
            SIGTSTP = 20, SIGURG = 23, SIGWINCH = 28;
    /** The highest signal number; real-time signals run from 32 (as the kernel counts) to here. */
    public static final int MAX = 64;

    private static final String[] NAMES = {
        null, "HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT", "BUS", "FPE", "KILL", "USR1", "SEGV", "USR2", "PIPE",
        "ALRM", "TERM", "STKFLT", "CHLD", "CONT", "STOP", "TSTP", "TTIN", "TTOU", "URG", "XCPU", "XFSZ",
        "VTALRM", "PROF", "WINCH", "IO", "PWR", "SYS"
    };

    private Signals() {}

    /** {@code SIGTERM} for 15, {@code SIGRT34} for 34. */
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

    /** The bit for a signal in a kernel sigset ({@code 1 << (sig - 1)}). */
    public static long bit(int sig) {
        if (sig < 1 || sig > MAX) {
            throw new IllegalArgumentException("not a signal number: " + sig);
        }
        return 1L << (sig - 1);
    }
}

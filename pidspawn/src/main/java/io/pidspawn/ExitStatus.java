package io.pidspawn;

/**
 * How a child ended: it exited with a code, or a signal killed it (perhaps dumping core); with
 * what it used ({@link #usage()}) when the library reaped it.
 *
 * <pre>{@code
 * ExitStatus s = child.waitFor();
 * if (!s.success()) System.err.println("failed: " + s);   // "exit 3", "killed by SIGKILL"
 * s.usage().ifPresent(u -> System.err.println("cpu " + u.cpu().toMillis() + " ms"));
 * }</pre>
 *
 * Two statuses are equal when code, signal and core dump agree: the usage is not compared.
 */
public final class ExitStatus {
    private final int code;
    private final int signal;
    private final boolean coreDumped;
    private final Usage usage; // null when unknown

    /**
     * @param code the exit code 0-255, or -1 when a signal ended the child
     * @param signal the signal that ended the child, or 0 when it exited
     * @param coreDumped whether the kernel dumped core
     */
    public ExitStatus(int code, int signal, boolean coreDumped) {
        this(code, signal, coreDumped, null);
    }

    private ExitStatus(int code, int signal, boolean coreDumped, Usage usage) {
        if (signal == 0 ? code < 0 || code > 255 || coreDumped : code != -1 || signal < 0 || signal > Signals.MAX) {
            throw new IllegalArgumentException("inconsistent exit status: code " + code + ", signal " + signal);
        }
        this.code = code;
        this.signal = signal;
        this.coreDumped = coreDumped;
        this.usage = usage;
    }

    public static ExitStatus exited(int code) {
        return new ExitStatus(code, 0, false);
    }

    public static ExitStatus killed(int signal, boolean coreDumped) {
        return new ExitStatus(-1, signal, coreDumped);
    }

    /** Decodes a raw wait status as waitpid(2) reports it (and PIDFD_INFO_EXIT). */
    public static ExitStatus fromWaitStatus(int status) {
        int sig = status & 0x7f;
        return sig == 0 ? exited((status >> 8) & 0xff) : killed(sig, (status & 0x80) != 0);
    }

    /** This status with what the child used. */
    public ExitStatus withUsage(Usage u) {
        return new ExitStatus(code, signal, coreDumped, u);
    }

    /** The exit code 0-255, or -1 when a signal ended the child. */
    public int code() {
        return code;
    }

    /** The signal that ended the child, or 0 when it exited. */
    public int signal() {
        return signal;
    }

    /** Whether the kernel dumped core. */
    public boolean coreDumped() {
        return coreDumped;
    }

    /**
     * What the child used, from the rusage of the wait that reaped it (and its cgroup, if it had
     * one of its own). Empty only when someone else reaped the child and the library read its
     * status from PIDFD_INFO_EXIT, which carries no usage.
     */
    public java.util.Optional<Usage> usage() {
        return java.util.Optional.ofNullable(usage);
    }

    /** Whether the child exited (as opposed to being killed by a signal). */
    public boolean exited() {
        return signal == 0;
    }

    /** Exited with code 0. */
    public boolean success() {
        return signal == 0 && code == 0;
    }

    /** The status as a shell reports it: the code, or 128 + the signal number. */
    public int shellCode() {
        return signal == 0 ? code : 128 + signal;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ExitStatus s && s.code == code && s.signal == signal && s.coreDumped == coreDumped;
    }

    @Override
    public int hashCode() {
        return (code * 31 + signal) * 2 + (coreDumped ? 1 : 0);
    }

    @Override
    public String toString() {
        return signal == 0 ? "exit " + code : "killed by " + Signals.name(signal) + (coreDumped ? " (core dumped)" : "");
    }
}

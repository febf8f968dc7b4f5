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
     * A status as given, without usage.
     *
     * @param code the exit code 0-255, or -1 when a signal ended the child
     * @param signal the signal that ended the child, or 0 when it exited
     * @param coreDumped whether the kernel dumped core
     * @throws IllegalArgumentException if the three do not describe one status (a code with a signal, a code out of range)
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

    /**
     * A child that exited with this code.
     *
     * @param code the exit code, 0-255
     * @return the status
     * @throws IllegalArgumentException if the code is out of range
     */
    public static ExitStatus exited(int code) {
        return new ExitStatus(code, 0, false);
    }

    /**
     * A child that a signal killed.
     *
     * @param signal the signal number, 1 to {@link Signals#MAX}
     * @param coreDumped whether the kernel dumped core
     * @return the status
     * @throws IllegalArgumentException if the signal is out of range
     */
    public static ExitStatus killed(int signal, boolean coreDumped) {
        return new ExitStatus(-1, signal, coreDumped);
    }

    /**
     * Decodes a raw wait status as waitpid(2) reports it (and PIDFD_INFO_EXIT).
     *
     * @param status the status word
     * @return the status it encodes
     */
    public static ExitStatus fromWaitStatus(int status) {
        int sig = status & 0x7f;
        return sig == 0 ? exited((status >> 8) & 0xff) : killed(sig, (status & 0x80) != 0);
    }

    /**
     * This status with what the child used.
     *
     * @param u the usage; null for unknown
     * @return a copy of this status with this usage
     */
    public ExitStatus withUsage(Usage u) {
        return new ExitStatus(code, signal, coreDumped, u);
    }

    /**
     * The exit code 0-255, or -1 when a signal ended the child.
     *
     * @return the code
     */
    public int code() {
        return code;
    }

    /**
     * The signal that ended the child, or 0 when it exited.
     *
     * @return the signal number
     */
    public int signal() {
        return signal;
    }

    /**
     * Whether the kernel dumped core.
     *
     * @return true if a core dump was written
     */
    public boolean coreDumped() {
        return coreDumped;
    }

    /**
     * What the child used, from the rusage of the wait that reaped it (and its cgroup, if it had
     * one of its own). Empty only when someone else reaped the child and the library read its
     * status from PIDFD_INFO_EXIT, which carries no usage.
     *
     * @return the usage, or empty when not known
     */
    public java.util.Optional<Usage> usage() {
        return java.util.Optional.ofNullable(usage);
    }

    /**
     * Whether the child exited (as opposed to being killed by a signal).
     *
     * @return true if it exited, false if a signal killed it
     */
    public boolean exited() {
        return signal == 0;
    }

    /**
     * Exited with code 0.
     *
     * @return true if the child exited with code 0
     */
    public boolean success() {
        return signal == 0 && code == 0;
    }

    /**
     * The status as a shell reports it: the code, or 128 + the signal number.
     *
     * @return the code, 0-255, or 128 + the signal
     */
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

package io.pidspawn;

/**
 * How a child ended: it exited with a code, or a signal killed it (perhaps dumping core).
 *
 * <pre>{@code
 * ExitStatus s = child.waitFor();
 * if (!s.success()) System.err.println("failed: " + s);   // "exit 3", "killed by SIGKILL"
 * }</pre>
 *
 * @param code the exit code 0-255, or -1 when a signal ended the child
 * @param signal the signal that ended the child, or 0 when it exited
 * @param coreDumped whether the kernel dumped core
 */
public record ExitStatus(int code, int signal, boolean coreDumped) {
    public ExitStatus {
        if (signal == 0 ? code < 0 || code > 255 || coreDumped : code != -1 || signal < 0 || signal > Signals.MAX) {
            throw new IllegalArgumentException("inconsistent exit status: code " + code + ", signal " + signal);
        }
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
    public String toString() {
        return signal == 0 ? "exit " + code : "killed by " + Signals.name(signal) + (coreDumped ? " (core dumped)" : "");
    }
}

package io.pidspawn.internal.spawn;

import io.pidspawn.ErrnoException;
import io.pidspawn.Errno;
import io.pidspawn.Signals;

/**
 * Passes the signals this process gets on to a child, as timeout(1) does: the trampoline's
 * handlers ({@code ps_relay_*}), installed with rt_sigaction and forwarding with
 * pidfd_send_signal (and kill, to a process group the child leads). For {@code pidspawn run};
 * not API.
 *
 * <p>Unlike {@code sun.misc.Signal}, the relay takes SIGQUIT from the JVM (no thread dump while it
 * is installed) and takes a signal the JVM was started ignoring. A signal that comes while there is
 * no target is held and sent to the next target. The relay keeps its own dup of the target's
 * pidfd, so the caller's pidfd may be closed at any time. Signals are process-wide: there is one
 * relay per process.
 */
public final class SignalRelay {
    /** Whether the relay was used: until then there is no target to drop and nothing to restore. */
    private static boolean bound;

    private SignalRelay() {}

    /**
     * Installs the relay for these signals, whatever their dispositions were.
     *
     * @param signals the signal numbers (1..64, not SIGKILL or SIGSTOP)
     * @throws ErrnoException EBUSY when it is installed already, EINVAL for a signal that cannot
     *     be caught, EMFILE when the trampoline could not be loaded for want of a free fd
     */
    public static synchronized void install(int... signals) throws ErrnoException {
        long set = 0;
        for (int sig : signals) {
            if (sig < 1 || sig > Signals.MAX) {
                throw new ErrnoException("ps_relay_install", Errno.EINVAL, "no signal " + sig);
            }
            set |= 1L << (sig - 1);
        }
        bind("ps_relay_install");
        check("ps_relay_install", Trampoline.call(Trampoline.CALL_RELAY_INSTALL, set, 0));
    }

    /**
     * Makes a child the target: the signals held so far are sent to it now, later ones as they
     * come.
     *
     * @param pidfd the child's pidfd (the relay dups it)
     * @param pgid the process group the child leads (its pid), which gets each signal after the
     *     child, as timeout(1) signals its child and then its group; 0 for the child alone
     * @throws ErrnoException from the dup (EMFILE); the target is unchanged then
     */
    public static synchronized void target(int pidfd, int pgid) throws ErrnoException {
        if (pidfd < 0) {
            throw new ErrnoException("ps_relay_target", Errno.EBADF, "pidfd " + pidfd);
        }
        bind("ps_relay_target");
        check("ps_relay_target", Trampoline.call(Trampoline.CALL_RELAY_TARGET, pidfd, pgid));
    }

    /**
     * Drops the target (before its pidfd number could name another process): signals are held
     * again, and none reaches the old target once this returns.
     */
    public static synchronized void clearTarget() {
        if (bound) {
            Trampoline.call(Trampoline.CALL_RELAY_TARGET, -1, 0);
        }
    }

    /** Puts back the dispositions {@link #install} replaced and drops the target. */
    public static synchronized void restore() {
        if (bound) {
            long r = Trampoline.call(Trampoline.CALL_RELAY_RESTORE, 0, 0);
            assert r == 0 : r;
        }
    }

    private static void bind(String call) throws ErrnoException {
        if (Trampoline.handle() == null) {
            throw new ErrnoException(call, Errno.EMFILE, "loading the trampoline");
        }
        bound = true;
    }

    private static void check(String call, long r) throws ErrnoException {
        if (r < 0) {
            throw new ErrnoException(call, (int) -r, null);
        }
    }
}

package io.pidspawn.internal.spawn;

import io.pidspawn.ErrnoException;
import io.pidspawn.Errno;
import io.pidspawn.Signals;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

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
    private static MethodHandle install, target, restore;

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
        bind();
        check("ps_relay_install", call(install, set));
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
        bind();
        check("ps_relay_target", call(target, pidfd, pgid));
    }

    /**
     * Drops the target (before its pidfd number could name another process): signals are held
     * again, and none reaches the old target once this returns.
     */
    public static synchronized void clearTarget() {
        if (target != null) {
            call(target, -1, 0);
        }
    }

    /** Puts back the dispositions {@link #install} replaced and drops the target. */
    public static synchronized void restore() {
        if (restore != null) {
            try {
                int r = (int) restore.invokeExact();
                assert r == 0 : r;
            } catch (Throwable t) {
                throw new AssertionError(t);
            }
        }
    }

    private static void bind() throws ErrnoException {
        if (install == null) {
            MethodHandle i = Trampoline.function("ps_relay_install", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG));
            if (i == null) {
                throw new ErrnoException("ps_relay_install", Errno.EMFILE, "loading the trampoline");
            }
            target = Trampoline.function("ps_relay_target",
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
            restore = Trampoline.function("ps_relay_restore", FunctionDescriptor.of(ValueLayout.JAVA_INT));
            install = i;
        }
    }

    private static int call(MethodHandle h, long set) {
        try {
            return (int) h.invokeExact(set);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    private static int call(MethodHandle h, int fd, int pgid) {
        try {
            return (int) h.invokeExact(fd, pgid);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    private static void check(String call, int r) throws ErrnoException {
        if (r < 0) {
            throw new ErrnoException(call, -r, null);
        }
    }
}

package io.pidspawn.cli;

import io.pidspawn.ErrnoException;
import io.pidspawn.Signals;
import io.pidspawn.internal.spawn.SignalRelay;

/**
 * What {@code pidspawn run} does with signals, as timeout(1) does: SIGINT, SIGTERM, SIGHUP and
 * SIGQUIT sent to pidspawn go to the child, whether or not a terminal is attached, and pidspawn
 * goes on waiting for the child's status. When the child leads a process group pidspawn made for
 * it ({@code --timeout}, {@code --pgid 0}), the group gets them too, as timeout(1) signals its
 * child's group. This holds even for a signal pidspawn was started
 * ignoring (a non-interactive shell's background job inherits SIGINT and SIGQUIT ignored), and for
 * SIGQUIT, which is otherwise the JVM's thread dump.
 *
 * <p>The library's native relay does the forwarding ({@link SignalRelay}): installed before the
 * child is spawned, it holds a signal that comes early and delivers it once the child exists; the
 * child itself starts with default handlers. Once the child is reaped, signals are absorbed until
 * pidspawn exits, as timeout(1)'s are, so the exit status stays the child's; the relay is never
 * taken down, as pidspawn run exits after its one child.
 */
final class SignalForwarder {
    SignalForwarder() throws ErrnoException {
        SignalRelay.install(Signals.SIGINT, Signals.SIGTERM, Signals.SIGHUP, Signals.SIGQUIT);
    }

    /**
     * The child exists: held signals go to it now. {@code ownGroup}: it leads a process group
     * pidspawn made for it, which gets each signal too, as timeout(1)'s group does.
     */
    void childStarted(int childPidfd, int childPid, boolean ownGroup) throws ErrnoException {
        SignalRelay.target(childPidfd, ownGroup ? childPid : 0);
    }

    /** Before the pidfd is closed: its number may be reused, so nothing is sent any more. */
    void childReaped() {
        SignalRelay.clearTarget();
    }
}

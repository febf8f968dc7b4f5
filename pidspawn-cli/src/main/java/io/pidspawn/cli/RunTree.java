package io.pidspawn.cli;

import io.pidspawn.Errno;
import io.pidspawn.ErrnoException;
import io.pidspawn.KillScope;
import io.pidspawn.internal.linux.Libc;
import io.pidspawn.uapi.ChildCgroup;
import io.pidspawn.uapi.PidfdSpawn;
import io.pidspawn.uapi.Spawned;

/**
 * What {@code run --timeout} signals: the program and everything it started, by the strongest
 * means the run has. A cgroup of its own (every {@code --timeout} run gets one where the library
 * can create it, and every run with a limit) reaches daemons that called setsid() or forked
 * twice; else the process group the program leads (as under timeout(1)) reaches what stayed in
 * it; else the program alone. The program itself is always signalled through its pidfd too, in
 * case it left its group.
 *
 * <p>Until the program is reaped its pid holds the group's id, so {@code kill(-pid)} cannot hit
 * another group; after, the group is reached through the pidfd
 * (PIDFD_SIGNAL_PROCESS_GROUP, Linux 6.9), which names it even if the number is reused.
 */
final class RunTree {
    private final Spawned child;
    private final boolean leadsGroup;
    private boolean reaped;

    RunTree(Spawned child, boolean leadsGroup) {
        this.child = child;
        this.leadsGroup = leadsGroup;
    }

    /** How far {@link #signal} reaches. */
    KillScope scope() {
        return child.cgroup() != null && !child.cgroup().directories().isEmpty() ? KillScope.CGROUP
                : leadsGroup ? KillScope.PROCESS_GROUP : KillScope.CHILD;
    }

    /** The program was waited for: its pid no longer names its group. */
    void reaped() {
        reaped = true;
    }

    /** Sends sig to the tree and to the program; what has ended already is skipped. Never throws. */
    void signal(int sig) {
        switch (scope()) {
            case CGROUP -> {
                if (!signalCgroup(child.cgroup(), sig) && leadsGroup) {
                    signalGroup(sig);
                }
            }
            case PROCESS_GROUP -> signalGroup(sig);
            case CHILD -> { }
        }
        if (!reaped) {
            try {
                PidfdSpawn.pidfd_send_signal(child.pidfd(), sig, 0);
            } catch (ErrnoException exited) {
                // it exited on its own meanwhile
            }
        }
    }

    private static boolean signalCgroup(ChildCgroup cgroup, int sig) {
        try {
            cgroup.signal(sig);
            return true;
        } catch (ErrnoException e) {
            System.err.println("pidspawn: signalling the program's cgroup: " + e.getMessage());
            return false;
        }
    }

    private void signalGroup(int sig) {
        if (reaped) {
            Libc.pidfdSendSignal(child.pidfd(), sig, Libc.PIDFD_SIGNAL_PROCESS_GROUP); // ESRCH: the group is empty
        } else {
            Libc.kill(-child.pid(), sig); // ESRCH: the group is gone already
        }
    }

    /**
     * After the program was reaped: waits until nothing of its tree runs, or until
     * {@code deadlineNanos} (of {@link System#nanoTime}) has passed.
     *
     * @return true if the tree is gone; false if something still runs, or cannot be told
     */
    boolean awaitGone(long deadlineNanos) {
        while (true) {
            Boolean gone = switch (scope()) {
                case CGROUP -> !child.cgroup().populated();
                case PROCESS_GROUP -> switch (Libc.pidfdSendSignal(child.pidfd(), 0, Libc.PIDFD_SIGNAL_PROCESS_GROUP)) {
                    case -Errno.ESRCH -> true;
                    case 0, -Errno.EPERM -> false;
                    default -> null; // before Linux 6.9: the group cannot be checked
                };
                case CHILD -> true;
            };
            if (gone == null || gone || System.nanoTime() - deadlineNanos >= 0) {
                return gone != null && gone;
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
    }

    /** The name --json gives the scope: cgroup, process-group or child. */
    static String name(KillScope scope) {
        return scope.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    }
}

package io.pidspawn.posix;

import io.pidspawn.Errno;
import io.pidspawn.ErrnoException;

/**
 * posix_spawnattr_t: the flags and the values they enable. A value takes effect only when its
 * flag is set, as in POSIX.
 *
 * <pre>{@code
 * SpawnAttributes attr = new SpawnAttributes()
 *         .setflags(SpawnAttributes.POSIX_SPAWN_SETPGROUP | SpawnAttributes.POSIX_SPAWN_SETSIGMASK)
 *         .setpgroup(0)
 *         .setsigmask(0);
 * }</pre>
 */
public final class SpawnAttributes {
    // spawn.h (glibc values; SETCGROUP since glibc 2.39)
    /** The child's effective ids become its real ones. */
    public static final short POSIX_SPAWN_RESETIDS = 0x01;
    /** The child joins the process group of {@link #setpgroup}. */
    public static final short POSIX_SPAWN_SETPGROUP = 0x02;
    /** The signals of {@link #setsigdefault} are reset to SIG_DFL. */
    public static final short POSIX_SPAWN_SETSIGDEF = 0x04;
    /** The child starts with the signal mask of {@link #setsigmask}. */
    public static final short POSIX_SPAWN_SETSIGMASK = 0x08;
    /** The child gets the priority of {@link #setschedparam}. */
    public static final short POSIX_SPAWN_SETSCHEDPARAM = 0x10;
    /** The child gets the policy of {@link #setschedpolicy} and the priority of {@link #setschedparam}. */
    public static final short POSIX_SPAWN_SETSCHEDULER = 0x20;
    /** The child starts a new session (POSIX.1-2024). */
    public static final short POSIX_SPAWN_SETSID = 0x80;
    /** The child starts in the cgroup of {@link #setcgroup_np} (glibc 2.39). */
    public static final short POSIX_SPAWN_SETCGROUP = 0x100;
    /** Accepted and without effect, as in glibc, whose posix_spawn always starts the child vfork-style. */
    public static final short POSIX_SPAWN_USEVFORK = 0x40;
    private static final short ALL = POSIX_SPAWN_RESETIDS | POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF
            | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSCHEDPARAM | POSIX_SPAWN_SETSCHEDULER | POSIX_SPAWN_SETSID
            | POSIX_SPAWN_USEVFORK | POSIX_SPAWN_SETCGROUP;

    // sched.h
    /** The default time-sharing policy. */
    public static final int SCHED_OTHER = 0;
    /** Real-time, first in first out. */
    public static final int SCHED_FIFO = 1;
    /** Real-time, round robin. */
    public static final int SCHED_RR = 2;
    /** Batch: time-sharing for CPU-bound work (Linux). */
    public static final int SCHED_BATCH = 3;
    /** Idle: runs only when nothing else would (Linux). */
    public static final int SCHED_IDLE = 5;

    /** No flags: posix_spawnattr_init. */
    public SpawnAttributes() {}

    short flags;
    int pgroup;
    long sigmask;
    long sigdefault;
    int schedpolicy = SCHED_OTHER;
    int schedpriority;
    int cgroup;

    /**
     * Sets the flags; an unknown bit is EINVAL, as posix_spawnattr_setflags says.
     *
     * @param newFlags the POSIX_SPAWN_* bits, or-ed
     * @return these attributes
     * @throws ErrnoException EINVAL for an unknown bit
     */
    public SpawnAttributes setflags(short newFlags) throws ErrnoException {
        if ((newFlags & ~ALL) != 0) {
            throw new ErrnoException("posix_spawnattr_setflags", Errno.EINVAL, "unknown flags 0x" + Integer.toHexString(newFlags));
        }
        flags = newFlags;
        return this;
    }

    /**
     * With POSIX_SPAWN_SETPGROUP: the child joins group {@code pgroup}, or leads a new one when it is 0.
     *
     * @param newPgroup the group id, or 0 for a new group
     * @return these attributes
     * @throws ErrnoException EINVAL for a negative group
     */
    public SpawnAttributes setpgroup(int newPgroup) throws ErrnoException {
        if (newPgroup < 0) {
            throw new ErrnoException("posix_spawnattr_setpgroup", Errno.EINVAL, "process group " + newPgroup);
        }
        pgroup = newPgroup;
        return this;
    }

    /**
     * With POSIX_SPAWN_SETSIGMASK: the child's signal mask, as a kernel sigset (bit sig-1).
     *
     * @param set the mask; {@link io.pidspawn.Signals#bit} gives a signal's bit
     * @return these attributes
     */
    public SpawnAttributes setsigmask(long set) {
        sigmask = set;
        return this;
    }

    /**
     * With POSIX_SPAWN_SETSIGDEF: signals the child resets to SIG_DFL.
     *
     * @param set the signals, as a kernel sigset
     * @return these attributes
     */
    public SpawnAttributes setsigdefault(long set) {
        sigdefault = set;
        return this;
    }

    /**
     * With POSIX_SPAWN_SETSCHEDULER: the scheduling policy. As in glibc, only the policies POSIX
     * names are accepted (SCHED_OTHER, SCHED_FIFO, SCHED_RR); others are EINVAL (the builder's
     * {@code sched} key takes SCHED_BATCH and SCHED_IDLE too).
     *
     * @param policy SCHED_OTHER, SCHED_FIFO or SCHED_RR
     * @return these attributes
     * @throws ErrnoException EINVAL for another policy
     */
    public SpawnAttributes setschedpolicy(int policy) throws ErrnoException {
        if (policy != SCHED_OTHER && policy != SCHED_FIFO && policy != SCHED_RR) {
            throw new ErrnoException("posix_spawnattr_setschedpolicy", Errno.EINVAL, "policy " + policy);
        }
        schedpolicy = policy;
        return this;
    }

    /**
     * With POSIX_SPAWN_SETSCHEDPARAM (or SETSCHEDULER): the scheduling priority.
     *
     * @param priority the static priority, 0 to 99
     * @return these attributes
     * @throws ErrnoException EINVAL outside 0..99
     */
    public SpawnAttributes setschedparam(int priority) throws ErrnoException {
        if (priority < 0 || priority > 99) {
            throw new ErrnoException("posix_spawnattr_setschedparam", Errno.EINVAL, "priority " + priority);
        }
        schedpriority = priority;
        return this;
    }

    /**
     * With POSIX_SPAWN_SETCGROUP: the child starts in the cgroup v2 directory open at
     * {@code cgroupFd} (clone3 CLONE_INTO_CGROUP, Linux 5.7), as glibc 2.39's
     * posix_spawnattr_setcgroup_np. The fd is only borrowed, and must stay open until the spawn.
     *
     * @param cgroupFd an fd of the cgroup v2 directory
     * @return these attributes
     */
    public SpawnAttributes setcgroup_np(int cgroupFd) {
        cgroup = cgroupFd;
        return this;
    }

    /**
     * The flags, as posix_spawnattr_getflags.
     *
     * @return the POSIX_SPAWN_* bits set
     */
    public short getflags() {
        return flags;
    }

    /**
     * The process group of {@link #setpgroup}, as posix_spawnattr_getpgroup.
     *
     * @return the process group id, 0 for a group of its own
     */
    public int getpgroup() {
        return pgroup;
    }

    /**
     * The signal mask of {@link #setsigmask}, as posix_spawnattr_getsigmask.
     *
     * @return the mask, bit {@code n - 1} for signal {@code n}
     */
    public long getsigmask() {
        return sigmask;
    }

    /**
     * The signals {@link #setsigdefault} resets, as posix_spawnattr_getsigdefault.
     *
     * @return the set, bit {@code n - 1} for signal {@code n}
     */
    public long getsigdefault() {
        return sigdefault;
    }

    /**
     * The scheduling policy of {@link #setschedpolicy}, as posix_spawnattr_getschedpolicy.
     *
     * @return a SCHED_* policy
     */
    public int getschedpolicy() {
        return schedpolicy;
    }

    /**
     * The scheduling priority of {@link #setschedparam}, as posix_spawnattr_getschedparam.
     *
     * @return the priority
     */
    public int getschedparam() {
        return schedpriority;
    }

    /**
     * The cgroup fd of {@link #setcgroup_np}, as glibc 2.39's posix_spawnattr_getcgroup_np.
     *
     * @return the fd, 0 if none was set
     */
    public int getcgroup_np() {
        return cgroup;
    }

    boolean has(short flag) {
        return (flags & flag) != 0;
    }
}

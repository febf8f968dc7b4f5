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
    public static final short POSIX_SPAWN_RESETIDS = 0x01, POSIX_SPAWN_SETPGROUP = 0x02,
            POSIX_SPAWN_SETSIGDEF = 0x04, POSIX_SPAWN_SETSIGMASK = 0x08, POSIX_SPAWN_SETSCHEDPARAM = 0x10,
            POSIX_SPAWN_SETSCHEDULER = 0x20, POSIX_SPAWN_SETSID = 0x80, POSIX_SPAWN_SETCGROUP = 0x100;
    /** Accepted and without effect, as in glibc, whose posix_spawn always starts the child vfork-style. */
    public static final short POSIX_SPAWN_USEVFORK = 0x40;
    private static final short ALL = POSIX_SPAWN_RESETIDS | POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF
            | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSCHEDPARAM | POSIX_SPAWN_SETSCHEDULER | POSIX_SPAWN_SETSID
            | POSIX_SPAWN_USEVFORK | POSIX_SPAWN_SETCGROUP;

    // sched.h
    public static final int SCHED_OTHER = 0, SCHED_FIFO = 1, SCHED_RR = 2, SCHED_BATCH = 3, SCHED_IDLE = 5;

    short flags;
    int pgroup;
    long sigmask;
    long sigdefault;
    int schedpolicy = SCHED_OTHER;
    int schedpriority;
    int cgroup;

    /** Sets the flags; an unknown bit is EINVAL, as posix_spawnattr_setflags says. */
    public SpawnAttributes setflags(short newFlags) throws ErrnoException {
        if ((newFlags & ~ALL) != 0) {
            throw new ErrnoException("posix_spawnattr_setflags", Errno.EINVAL, "unknown flags 0x" + Integer.toHexString(newFlags));
        }
        flags = newFlags;
        return this;
    }

    /** With POSIX_SPAWN_SETPGROUP: the child joins group {@code pgroup}, or leads a new one when it is 0. */
    public SpawnAttributes setpgroup(int newPgroup) throws ErrnoException {
        if (newPgroup < 0) {
            throw new ErrnoException("posix_spawnattr_setpgroup", Errno.EINVAL, "process group " + newPgroup);
        }
        pgroup = newPgroup;
        return this;
    }

    /** With POSIX_SPAWN_SETSIGMASK: the child's signal mask, as a kernel sigset (bit sig-1). */
    public SpawnAttributes setsigmask(long set) {
        sigmask = set;
        return this;
    }

    /** With POSIX_SPAWN_SETSIGDEF: signals the child resets to SIG_DFL. */
    public SpawnAttributes setsigdefault(long set) {
        sigdefault = set;
        return this;
    }

    /**
     * With POSIX_SPAWN_SETSCHEDULER: the scheduling policy. As in glibc, only the policies POSIX
     * names are accepted (SCHED_OTHER, SCHED_FIFO, SCHED_RR); others are EINVAL (the builder's
     * {@code sched} key takes SCHED_BATCH and SCHED_IDLE too).
     */
    public SpawnAttributes setschedpolicy(int policy) throws ErrnoException {
        if (policy != SCHED_OTHER && policy != SCHED_FIFO && policy != SCHED_RR) {
            throw new ErrnoException("posix_spawnattr_setschedpolicy", Errno.EINVAL, "policy " + policy);
        }
        schedpolicy = policy;
        return this;
    }

    /** With POSIX_SPAWN_SETSCHEDPARAM (or SETSCHEDULER): the scheduling priority. */
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
     */
    public SpawnAttributes setcgroup_np(int cgroupFd) {
        cgroup = cgroupFd;
        return this;
    }

    public short getflags() {
        return flags;
    }

    public int getpgroup() {
        return pgroup;
    }

    public long getsigmask() {
        return sigmask;
    }

    public long getsigdefault() {
        return sigdefault;
    }

    public int getschedpolicy() {
        return schedpolicy;
    }

    public int getschedparam() {
        return schedpriority;
    }

    public int getcgroup_np() {
        return cgroup;
    }

    boolean has(short flag) {
        return (flags & flag) != 0;
    }
}

package io.pidspawn;

/**
 * Scheduling policies for {@link Command.Builder#scheduling} (sched_setscheduler(2)). The
 * real-time ones, {@link #FIFO} and {@link #RR}, take a priority 1..99 and need privilege
 * (CAP_SYS_NICE or RLIMIT_RTPRIO); the others take priority 0.
 *
 * <pre>{@code
 * Command.builder("indexer").scheduling(SchedPolicy.IDLE, 0).build();
 * }</pre>
 */
public enum SchedPolicy {
    /** SCHED_OTHER: the default time-sharing policy. */
    OTHER(0),
    /** SCHED_FIFO: real-time, first in first out. */
    FIFO(1),
    /** SCHED_RR: real-time, round robin. */
    RR(2),
    /** SCHED_BATCH: CPU-bound work that should not preempt interactive tasks. */
    BATCH(3),
    /** SCHED_IDLE: runs only when nothing else wants the CPU. */
    IDLE(5);

    private final int number;

    SchedPolicy(int number) {
        this.number = number;
    }

    /**
     * The policy number sched_getscheduler(2) reports.
     *
     * @return the SCHED_* number
     */
    public int number() {
        return number;
    }

    /**
     * Whether this is a real-time policy, which needs a priority 1..99.
     *
     * @return true for FIFO and RR
     */
    public boolean realtime() {
        return this == FIFO || this == RR;
    }
}

package io.pidspawn.internal.spawn;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;

/**
 * The Java mirror of {@code src/main/c/pidspawn_plan.h}. Member names match the C fields;
 * PlanAbiTest parses the header and compares, and {@link Trampoline} checks version and sizes
 * against the loaded library.
 */
final class PlanAbi {
    static final int VERSION = 7;

    static final int LIST_NONE = 0, LIST_PLAN = 1, LIST_RUN = 2;

    static final int Q_VERSION = 0, Q_SIZEOF_OP = 1, Q_SIZEOF_REQUEST = 2, Q_OFFSETOF_PID = 3, Q_OFFSETOF_ERRNO = 4;

    static final StructLayout OP = MemoryLayout.structLayout(
            JAVA_INT.withName("code"),
            JAVA_INT.withName("fd"),
            JAVA_INT.withName("newfd"),
            JAVA_INT.withName("flags"),
            JAVA_LONG.withName("arg"),
            JAVA_LONG.withName("arg2")).withName("ps_op");

    static final StructLayout REQUEST = MemoryLayout.structLayout(
            JAVA_LONG.withName("clone_flags"),
            JAVA_LONG.withName("cgroup_fd"),
            JAVA_LONG.withName("exec_path"),
            JAVA_LONG.withName("argv"),
            JAVA_LONG.withName("envp"),
            JAVA_LONG.withName("plan_ops"),
            JAVA_LONG.withName("run_ops"),
            JAVA_INT.withName("plan_count"),
            JAVA_INT.withName("plan_tail"),
            JAVA_INT.withName("run_count"),
            JAVA_INT.withName("exec_count"),
            JAVA_INT.withName("exec_fd"),
            JAVA_INT.withName("exec_flags"),
            JAVA_INT.withName("fault_step"),
            JAVA_INT.withName("fault_errno"),
            JAVA_INT.withName("sync_fd"),
            JAVA_INT.withName("files_limit"),
            JAVA_INT.withName("pid"),
            JAVA_INT.withName("pidfd"),
            JAVA_INT.withName("fail_list"),
            JAVA_INT.withName("fail_index"),
            JAVA_INT.withName("fail_step"),
            JAVA_INT.withName("fail_errno")).withName("ps_request");

    static final long OP_CODE = offset(OP, "code"), OP_FD = offset(OP, "fd"), OP_NEWFD = offset(OP, "newfd"),
            OP_FLAGS = offset(OP, "flags"), OP_ARG = offset(OP, "arg"), OP_ARG2 = offset(OP, "arg2");

    static final long RQ_CLONE_FLAGS = offset(REQUEST, "clone_flags"), RQ_CGROUP_FD = offset(REQUEST, "cgroup_fd"),
            RQ_EXEC_PATH = offset(REQUEST, "exec_path"), RQ_ARGV = offset(REQUEST, "argv"),
            RQ_ENVP = offset(REQUEST, "envp"), RQ_PLAN_OPS = offset(REQUEST, "plan_ops"),
            RQ_RUN_OPS = offset(REQUEST, "run_ops"), RQ_PLAN_COUNT = offset(REQUEST, "plan_count"),
            RQ_PLAN_TAIL = offset(REQUEST, "plan_tail"),
            RQ_RUN_COUNT = offset(REQUEST, "run_count"), RQ_EXEC_FD = offset(REQUEST, "exec_fd"),
            RQ_EXEC_FLAGS = offset(REQUEST, "exec_flags"), RQ_EXEC_COUNT = offset(REQUEST, "exec_count"),
            RQ_FAULT_STEP = offset(REQUEST, "fault_step"),
            RQ_FAULT_ERRNO = offset(REQUEST, "fault_errno"), RQ_SYNC_FD = offset(REQUEST, "sync_fd"),
            RQ_FILES_LIMIT = offset(REQUEST, "files_limit"), RQ_PID = offset(REQUEST, "pid"),
            RQ_PIDFD = offset(REQUEST, "pidfd"), RQ_FAIL_LIST = offset(REQUEST, "fail_list"),
            RQ_FAIL_INDEX = offset(REQUEST, "fail_index"), RQ_FAIL_STEP = offset(REQUEST, "fail_step"),
            RQ_FAIL_ERRNO = offset(REQUEST, "fail_errno");

    private PlanAbi() {}

    private static long offset(StructLayout layout, String field) {
        return layout.byteOffset(groupElement(field));
    }
}

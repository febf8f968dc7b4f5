package io.pidspawn.uapi;

import java.util.List;

/**
 * The per-run part of {@link PidfdSpawn#pidfd_spawn_run}: argv and environment overrides and the ordered
 * action list. Everything else comes from the builder's configuration.
 *
 * @param argv the complete argument vector for this run (argv[0] included), or null for the builder's
 * @param envp the complete environment ({@code NAME=value} strings) for this run, or null for the builder's
 * @param actions at most {@value PidfdSpawn#MAX_ACTIONS} actions, applied in order
 * @param ownCgroup whether this run's child gets a cgroup of its own if the system allows one
 *     (as the {@code cgroup.own} key, which fails at config time where it cannot): the run's
 *     {@link Spawned#cgroup()} says whether it got one. Ignored when the builder names a cgroup
 *     ({@code cgroup}) or already gives every child its own.
 */
public record RunArgs(List<String> argv, List<String> envp, List<SpawnAction> actions, boolean ownCgroup) {
    /**
     * Copies the lists; a null action list means no action.
     *
     * @param argv the argument vector, or null
     * @param envp the environment, or null
     * @param actions the actions, or null for none
     * @param ownCgroup whether the child gets a cgroup of its own
     * @throws NullPointerException if an element of a list is null
     */
    public RunArgs {
        argv = argv == null ? null : List.copyOf(argv);
        envp = envp == null ? null : List.copyOf(envp);
        actions = actions == null ? List.of() : List.copyOf(actions);
    }

    /**
     * A run without a cgroup of its own.
     *
     * @param argv the argument vector, or null for the builder's
     * @param envp the environment, or null for the builder's
     * @param actions the actions, or null for none
     */
    public RunArgs(List<String> argv, List<String> envp, List<SpawnAction> actions) {
        this(argv, envp, actions, false);
    }

    private static final RunArgs NONE = new RunArgs(null, null, List.of());

    /**
     * Run exactly as configured.
     *
     * @return the run arguments that change nothing
     */
    public static RunArgs none() {
        return NONE;
    }

    /**
     * A run with these actions and the builder's argv and environment.
     *
     * @param actions the actions, in order
     * @return the run arguments
     */
    public static RunArgs of(SpawnAction... actions) {
        return new RunArgs(null, null, List.of(actions));
    }

    /**
     * This run with another argument vector.
     *
     * @param newArgv the whole argv, argv[0] included, or null for the builder's
     * @return a copy with this argv
     */
    public RunArgs withArgv(List<String> newArgv) {
        return new RunArgs(newArgv, envp, actions, ownCgroup);
    }

    /**
     * This run with another environment.
     *
     * @param newEnvp the whole environment as {@code NAME=value} strings, or null for the builder's
     * @return a copy with this environment
     */
    public RunArgs withEnvp(List<String> newEnvp) {
        return new RunArgs(argv, newEnvp, actions, ownCgroup);
    }

    /**
     * This run with other actions.
     *
     * @param newActions the actions, in order, replacing these; null for none
     * @return a copy with these actions
     */
    public RunArgs withActions(List<SpawnAction> newActions) {
        return new RunArgs(argv, envp, newActions, ownCgroup);
    }

    /**
     * This run's child gets a cgroup of its own when the system allows it.
     *
     * @return a copy that asks for a cgroup of its own
     */
    public RunArgs withOwnCgroup() {
        return new RunArgs(argv, envp, actions, true);
    }
}

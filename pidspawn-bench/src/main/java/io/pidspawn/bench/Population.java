package io.pidspawn.bench;

import io.pidspawn.Child;
import io.pidspawn.Command;
import io.pidspawn.Stdio;
import java.util.ArrayList;
import java.util.List;

/**
 * The load of the {@code loaded} workload: supervised {@code sleep} children that stay alive, each
 * holding a pidfd in this process and a registration in the reaper's epoll set, as a supervisor's
 * children do.
 */
final class Population {
    private final Command sleep = PidspawnSpawner.build(Command.builder("sleep").args("100000")
            .stdin(Stdio.discard()).stdout(Stdio.discard()).stderr(Stdio.discard()));
    private final List<Child> alive = new ArrayList<>();

    /** Spawns or kills children until {@code children} are alive. */
    void resize(int children) throws Exception {
        while (alive.size() < children) {
            alive.add(sleep.spawn());
        }
        while (alive.size() > children) {
            try (Child c = alive.removeLast()) {
                c.kill();
                c.waitFor();
            }
        }
    }
}

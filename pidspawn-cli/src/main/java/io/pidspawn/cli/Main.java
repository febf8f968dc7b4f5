package io.pidspawn.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code bin/pidspawn}: start processes through pidfds from the command line. */
@Command(name = "pidspawn", mixinStandardHelpOptions = true, version = "pidspawn 0.1.0",
        description = "Start and supervise processes through pidfd_spawn builders.",
        subcommands = {RunCommand.class, BatchCommand.class, ProbeCommand.class, BenchCommand.class,
                CommandLine.HelpCommand.class,
                picocli.AutoComplete.GenerateCompletion.class})
public final class Main {
    public static void main(String[] args) {
        System.exit(execute(args));
    }

    /** Runs the command line and returns the exit status, without exiting. */
    public static int execute(String... args) {
        CommandLine cli = new CommandLine(new Main());
        cli.setStopAtPositional(true);
        cli.getSubcommands().get("bench").setStopAtPositional(false); // options may follow its workload names
        // Usage errors are pidspawn's own failure: 125, as env(1) and timeout(1) use it.
        cli.setExitCodeExceptionMapper(t -> 125);
        cli.setParameterExceptionHandler((ex, a) -> {
            ex.getCommandLine().getErr().println("pidspawn: " + ex.getMessage());
            // The one thing that is wrong and where to read more, as coreutils does; not the whole usage.
            CommandLine c = ex.getCommandLine();
            c.getErr().println("Try '" + c.getCommandSpec().qualifiedName() + " --help' for more information.");
            return 125;
        });
        return cli.execute(args);
    }
}

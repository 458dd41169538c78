package dev.cutover.cli;

import java.util.concurrent.Callable;
import picocli.AutoComplete;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code cutover completion bash|zsh}: a completion script generated from the CLI's own commands
 * and options (picocli's {@link AutoComplete}), so it never falls behind them. zsh runs the bash
 * script through its {@code bashcompinit}.
 */
@Command(
    name = "completion",
    description = {
      "Print a shell completion script for cutover's commands and options.",
      "bash: source <(cutover completion bash)   (or save it in"
          + " /etc/bash_completion.d/cutover)",
      "zsh:  source <(cutover completion zsh)    (in ~/.zshrc)"
    })
final class CompletionCommand implements Callable<Integer> {
  enum Shell {
    bash,
    zsh
  }

  @Spec CommandSpec spec;

  @Parameters(paramLabel = "SHELL", description = "bash or zsh")
  Shell shell;

  @Override
  public Integer call() {
    String script = AutoComplete.bash("cutover", spec.root().commandLine());
    if (shell == Shell.zsh) {
      script =
          "# cutover completion for zsh, through bashcompinit\n"
              + "autoload -U +X compinit && compinit\n"
              + "autoload -U +X bashcompinit && bashcompinit\n"
              + script;
    }
    spec.commandLine().getOut().print(script);
    return ExitCodes.OK;
  }
}

using System.CommandLine;
using System.Text;
using System.Text.Json.Nodes;

namespace GpuSharing.Cli.Commands;

/// <summary>
/// <c>gpushare chat MODEL</c>: a conversation with a deployment through the gateway's OpenAI route, each reply printed
/// token by token as it streams in. On a terminal it prompts; with <c>--message</c> or piped lines it sends those.
/// </summary>
public static class ChatCommand
{
    public static Command Create(CommandRunner runner)
    {
        var model = new Argument<string>("MODEL") { Description = "The deployment (namespace/name) or its served model name; gpushare models list shows them." };
        var messages = new Option<string[]>("--message", "-m") { Description = "Send this (repeatable: one turn each) instead of prompting.", AllowMultipleArgumentsPerToken = false };
        var maxTokens = new Option<int>("--max-tokens") { Description = "Longest reply, in tokens.", DefaultValueFactory = _ => 256 };
        var priority = new Option<string?>("--priority") { Description = "The request's class: high, medium or low (default: the deployment's)." };
        priority.AcceptOnlyFromAmong("high", "medium", "low");
        var command = new Command("chat", "Chat with a model; the reply streams in as it is generated.") { model, messages, maxTokens, priority };
        command.SetAction(runner.Action(async (context, result, cancellationToken) =>
        {
            var history = new JsonArray();
            var turns = result.GetValue(messages) is { Length: > 0 } given ? given : null;
            var prompting = turns is null && context.Output.Interactive;
            var transcript = new JsonArray();
            if (prompting)
            {
                context.Output.Line($"Chatting with {result.GetValue(model)} through {context.Gateway.Server} — an empty line or Ctrl-D ends.");
            }

            foreach (var turn in Turns(turns, context, prompting))
            {
                history.Add(new JsonObject { ["role"] = "user", ["content"] = turn });
                var request = new JsonObject
                {
                    ["model"] = result.GetValue(model),
                    ["max_tokens"] = result.GetValue(maxTokens),
                    ["messages"] = history.DeepClone(),
                };
                var reply = new StringBuilder();
                await foreach (var token in context.Gateway.StreamChatAsync(request, result.GetValue(priority), cancellationToken))
                {
                    reply.Append(token);
                    if (context.Output.IsTable)
                    {
                        await context.Output.Writer.WriteAsync(token);
                        await context.Output.Writer.FlushAsync(cancellationToken); // as it arrives, not when the line ends
                    }
                }

                if (context.Output.IsTable)
                {
                    await context.Output.Writer.WriteLineAsync();
                }

                history.Add(new JsonObject { ["role"] = "assistant", ["content"] = reply.ToString() });
                transcript.Add(new JsonObject { ["user"] = turn, ["assistant"] = reply.ToString() });
            }

            if (!context.Output.IsTable)
            {
                context.Output.Data(new JsonObject { ["model"] = result.GetValue(model), ["turns"] = transcript });
            }

            return ExitCodes.Success;
        }));
        return command;
    }

    private static IEnumerable<string> Turns(string[]? given, CommandContext context, bool prompting)
    {
        if (given is not null)
        {
            foreach (var turn in given)
            {
                yield return turn;
            }

            yield break;
        }

        while (true)
        {
            if (prompting)
            {
                context.Output.Writer.Write("you> ");
                context.Output.Writer.Flush();
            }

            var line = context.Input.ReadLine();
            if (line is null || (prompting && line.Length == 0))
            {
                yield break;
            }

            if (line.Length > 0)
            {
                yield return line;
            }
        }
    }
}

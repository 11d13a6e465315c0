using System.Text.Json;
using System.Text.Json.Nodes;
using Spectre.Console;
using Spectre.Console.Rendering;
using YamlDotNet.Serialization;

namespace GpuSharing.Cli.Output;

/// <summary>
/// Where a command writes: tables and progress to the terminal (plain text, no colours, wide lines when piped), data
/// as JSON or YAML, errors to stderr.
/// </summary>
public sealed class CliOutput
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public CliOutput(TextWriter stdout, TextWriter stderr, OutputFormat format, bool interactive)
    {
        Format = format;
        Interactive = interactive;
        Writer = stdout;
        Error = stderr;
        Console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(stdout),
            Ansi = interactive ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = interactive ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = interactive ? InteractionSupport.Detect : InteractionSupport.No,
        });
        if (!interactive)
        {
            Console.Profile.Width = 200; // piped: whole rows, for grep and for people reading a log
        }
    }

    public OutputFormat Format { get; }

    /// <summary>A terminal a person watches (progress displays, colours); false when stdout is piped or redirected.</summary>
    public bool Interactive { get; }

    public IAnsiConsole Console { get; }

    public TextWriter Writer { get; }

    public TextWriter Error { get; }

    public bool IsTable => Format is OutputFormat.Table;

    /// <summary>The data itself, as JSON or YAML.</summary>
    public void Data(JsonNode? data)
    {
        if (Format is OutputFormat.Yaml)
        {
            var serializer = new SerializerBuilder().WithQuotingNecessaryStrings().Build();
            Writer.Write(serializer.Serialize(Plain(data)));
        }
        else
        {
            Writer.WriteLine(data?.ToJsonString(Indented) ?? "null");
        }
    }

    /// <summary>For <c>-o json|yaml</c>: writes <paramref name="data"/> and says so; for tables, writes nothing and the command draws its own.</summary>
    public bool WroteData(JsonNode? data)
    {
        if (IsTable)
        {
            return false;
        }

        Data(data);
        return true;
    }

    public void Render(IRenderable renderable) => Console.Write(renderable);

    public void Line(string text) => Console.WriteLine(text);

    public void Failure(IEnumerable<string> lines)
    {
        foreach (var line in lines)
        {
            Error.WriteLine(line);
        }
    }

    /// <summary>JSON as the plain values YamlDotNet writes: maps, lists, strings, numbers, booleans, null.</summary>
    private static object? Plain(JsonNode? node) => node switch
    {
        null => null,
        JsonObject o => o.ToDictionary(p => p.Key, p => Plain(p.Value), StringComparer.Ordinal),
        JsonArray a => a.Select(Plain).ToList(),
        JsonValue v when v.TryGetValue<bool>(out var b) => b,
        JsonValue v when v.TryGetValue<long>(out var l) => l,
        JsonValue v when v.TryGetValue<double>(out var d) => d,
        _ => node.ToString(),
    };
}

using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace GpuSharing.Cli.Input;

/// <summary>
/// Deployments from a file (or <c>-</c> for stdin), YAML or JSON: one deployment, a list, several YAML documents, or
/// the what-if body's <c>{ "deployments": [...] }</c>. Each is a spec with its <c>namespace</c> (default
/// <c>default</c>) and <c>name</c>; names are checked here as Kubernetes names, the rest by the gateway.
/// </summary>
public static partial class DeploymentFile
{
    public const string DefaultNamespace = "default";

    public static async Task<IReadOnlyList<Deployment>> ReadAsync(string path, TextReader stdin, CancellationToken cancellationToken)
    {
        string text;
        try
        {
            text = path == "-" ? await stdin.ReadToEndAsync(cancellationToken) : await File.ReadAllTextAsync(path, cancellationToken);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new InputError($"{path}: cannot read it ({ex.Message})");
        }

        var source = path == "-" ? "stdin" : path;
        var documents = LooksLikeJson(text) ? [ParseJson(text, source)] : YamlJson.Documents(text, source);
        var deployments = new List<Deployment>();
        foreach (var document in documents.Where(d => d is not null))
        {
            foreach (var item in Items(document!, source))
            {
                deployments.Add(Deployment(item, source, deployments.Count + 1));
            }
        }

        if (deployments.Count == 0)
        {
            throw new InputError($"{source}: no deployment in it (expected a deployment with a name, a list of them, or {{\"deployments\": [...]}})");
        }

        var twice = deployments.GroupBy(d => d.Key, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        return twice is null ? deployments : throw new InputError($"{source}: {twice.Key} is given {twice.Count()} times");
    }

    private static bool LooksLikeJson(string text) => text.TrimStart() is { Length: > 0 } t && t[0] is '{' or '[';

    private static JsonNode ParseJson(string text, string source)
    {
        try
        {
            return JsonNode.Parse(text, documentOptions: new JsonDocumentOptions { AllowTrailingCommas = false, CommentHandling = JsonCommentHandling.Skip })
                ?? throw new InputError($"{source}: the file is JSON null");
        }
        catch (JsonException ex)
        {
            throw new InputError($"{source}:{ex.LineNumber + 1}:{ex.BytePositionInLine + 1}: not valid JSON: {ex.Message.Split(" Path:")[0]}");
        }
    }

    private static IEnumerable<JsonNode> Items(JsonNode document, string source) => document switch
    {
        JsonArray list => list.Select((d, i) => d ?? throw new InputError($"{source}: item {i + 1} is empty")),
        JsonObject o when o["deployments"] is JsonArray list => Items(list, source),
        JsonObject o => [o],
        _ => throw new InputError($"{source}: expected a deployment (a mapping), not '{document.ToJsonString()}'"),
    };

    private static Deployment Deployment(JsonNode item, string source, int position)
    {
        if (item is not JsonObject body)
        {
            throw new InputError($"{source}: deployment {position} is not a mapping");
        }

        var spec = (JsonObject)body.DeepClone();
        var name = Text(spec, "name", source, position) ?? throw new InputError($"{source}: deployment {position} has no name");
        var ns = Text(spec, "namespace", source, position) ?? DefaultNamespace;
        foreach (var (field, value) in new[] { ("namespace", ns), ("name", name) })
        {
            if (!KubernetesName().IsMatch(value) || value.Length > 63)
            {
                throw new InputError($"{source}: deployment {position}: {field} '{value}' is not a Kubernetes name (lower-case letters, digits and '-', at most 63, starting and ending alphanumeric)");
            }
        }

        spec.Remove("name");
        spec.Remove("namespace");
        return new Deployment(ns, name, spec);
    }

    private static string? Text(JsonObject body, string field, string source, int position) => body[field] switch
    {
        null => null,
        JsonValue value when value.TryGetValue<string>(out var text) => text,
        var other => throw new InputError($"{source}: deployment {position}: {field} must be text, not {other.ToJsonString()}"),
    };

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")]
    private static partial Regex KubernetesName();
}

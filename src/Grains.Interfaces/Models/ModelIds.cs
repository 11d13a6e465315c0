using System.Text.RegularExpressions;

namespace GpuSharing.Grains.Interfaces.Models;

/// <summary>
/// What a deployment's <c>model</c> may be. It becomes an argument of the model server (<c>vllm serve --model …</c>),
/// so it is checked wherever it enters — the REST API, InferenceService annotations and storage URIs, the model grain:
/// a Hugging Face id (<c>owner/name</c>: letters, digits, <c>-</c>, <c>_</c>, <c>.</c>), a catalog alias (the same,
/// without the owner), or an absolute local path under a prefix the operator allows. Control characters, spaces, a
/// leading <c>-</c> (which a server reads as a flag), <c>..</c> and anything else are refused.
/// </summary>
public static partial class ModelIds
{
    public const int MaxLength = 256;

    /// <summary>Why <paramref name="model"/> is not acceptable, or null when it is.</summary>
    /// <param name="localPathPrefixes">Absolute directory prefixes under which local model paths are allowed (none: no local paths).</param>
    public static string? Error(string? model, IReadOnlyCollection<string>? localPathPrefixes = null)
    {
        if (SyntaxError(model) is { } error)
        {
            return error;
        }

        var prefixes = localPathPrefixes ?? [];
        return !model!.StartsWith('/') || prefixes.Any(p => model.StartsWith(p.EndsWith('/') ? p : p + "/", StringComparison.Ordinal))
            ? null
            : prefixes.Count == 0
                ? "Local model paths are not allowed here; name a Hugging Face id (owner/name) or a catalog model."
                : $"A local model path must lie under {string.Join(" or ", prefixes)}.";
    }

    /// <summary>
    /// Why <paramref name="model"/> cannot be a model at all, whatever the operator allows (null when its form is
    /// right): the check behind every entry point, local paths judged by form only.
    /// </summary>
    public static string? SyntaxError(string? model)
    {
        if (string.IsNullOrEmpty(model))
        {
            return "model is required: a Hugging Face id (owner/name) or a catalog name.";
        }

        if (model.Length > MaxLength)
        {
            return $"model is {model.Length} characters long; at most {MaxLength}.";
        }

        if (model.Any(c => char.IsControl(c) || char.IsWhiteSpace(c)))
        {
            return "model must not contain control characters or spaces.";
        }

        if (model.StartsWith('/'))
        {
            return model.Split('/').Any(segment => segment is "." or "..") || !LocalPath().IsMatch(model)
                ? "A local model path must be absolute, without '.' or '..' segments, and use letters, digits, '-', '_', '.' and '/'."
                : null;
        }

        return HuggingFaceId().IsMatch(model) && !model.Contains("..", StringComparison.Ordinal)
            ? null
            : $"'{Shown(model)}' is not a Hugging Face id (owner/name, each part letters, digits, '-', '_', '.', not starting with '-' or '.') nor a catalog name.";
    }

    private static string Shown(string model) => model.Length <= 64 ? model : model[..64] + "…";

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,95}(/[A-Za-z0-9][A-Za-z0-9._-]{0,95})?$", RegexOptions.CultureInvariant)]
    private static partial Regex HuggingFaceId();

    [GeneratedRegex("^(/[A-Za-z0-9_][A-Za-z0-9._-]*)+/?$", RegexOptions.CultureInvariant)]
    private static partial Regex LocalPath();
}

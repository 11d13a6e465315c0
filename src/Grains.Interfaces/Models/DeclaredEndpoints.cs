namespace GpuSharing.Grains.Interfaces.Models;

/// <summary>
/// Servers a deployment's owner runs and declares (<c>endpoints</c>: base URLs such as <c>http://10.0.0.5:8000</c>),
/// routed to like the replicas a node silo runs. Equal when the URLs are, in order, so that the same spec applied
/// again is the same spec.
/// </summary>
[GenerateSerializer, Immutable, Alias("gpusharing.DeclaredEndpoints")]
public sealed record DeclaredEndpoints([property: Id(0)] IReadOnlyList<string> Urls)
{
    /// <summary>At most this many per deployment.</summary>
    public const int MaxCount = 16;

    public bool Equals(DeclaredEndpoints? other) => other is not null && Urls.SequenceEqual(other.Urls, StringComparer.Ordinal);

    public override int GetHashCode() => Urls.Aggregate(0, (hash, url) => HashCode.Combine(hash, StringComparer.Ordinal.GetHashCode(url)));

    /// <summary>Why <paramref name="url"/> cannot be an endpoint; null when it can (absolute http or https, no credentials, query or fragment).</summary>
    public static string? Error(string url) =>
        !Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")
            ? $"'{Shorten(url)}' is not an absolute http or https URL."
            : uri.UserInfo.Length > 0 || uri.Query.Length > 0 || uri.Fragment.Length > 0
                ? "An endpoint must carry no credentials, query or fragment (not echoed here): the base URL of an OpenAI-compatible server."
                : null;

    private static string Shorten(string text) => text.Length <= 120 ? text : text[..120] + "…";
}

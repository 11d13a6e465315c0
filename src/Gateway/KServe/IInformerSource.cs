using k8s;

namespace GpuSharing.Gateway.KServe;

/// <summary>How one kind of object is listed and watched, in one scope (a namespace, or all of them: null).</summary>
public interface IInformerSource<T>
    where T : class
{
    /// <summary>The objects' name in logs: <c>InferenceServices</c>, <c>pods</c>…</summary>
    string Name { get; }

    Task<(IReadOnlyList<T> Items, string ResourceVersion)> ListAsync(string? @namespace, CancellationToken cancellationToken);

    IAsyncEnumerable<(WatchEventType Type, T Item)> WatchAsync(string? @namespace, string resourceVersion, int timeoutSeconds, Action<Exception> onError, CancellationToken cancellationToken);

    string? ResourceVersionOf(T item);
}

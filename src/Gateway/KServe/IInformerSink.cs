namespace GpuSharing.Gateway.KServe;

/// <summary>Where an informer puts what it lists and watches: a cache, and the work queue of the objects it concerns.</summary>
public interface IInformerSink<in T>
    where T : class
{
    /// <summary>A fresh list of one scope (a namespace, or all of them: null) replaces what the scope held.</summary>
    void Replace(string? @namespace, IReadOnlyList<T> items);

    void Upsert(T item);

    void Remove(T item);

    /// <summary>The scope has listed once (or its kind is not served): an absent object now means a deleted one.</summary>
    void MarkScopeSynced();

    /// <summary>
    /// The API server does not serve the kind (404: its CRD is not installed) or forbids it (403). What the sink holds
    /// stays as it is: an answer like that says nothing about whether the objects are gone.
    /// </summary>
    void MarkNotServed();
}

using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace GpuSharing.Fakes.Kubernetes;

/// <summary>
/// The FAKE Kubernetes API server over HTTP on 127.0.0.1 (see the project file for what it is and is not). Paths and
/// verbs are the API server's: <c>/apis/{group}/{version}[/namespaces/{ns}]/{plural}[/{name}]</c> and
/// <c>/api/v1/…</c> for core; <c>?watch=true</c> streams JSON lines, one chunk per event, headers sent at once.
/// Faults: <see cref="DropWatches"/> cuts every open stream, <see cref="FakeKubernetesStore.Compact"/> makes resumed
/// watches expire (an in-stream ERROR 410, or an HTTP 410 with <see cref="AnswerExpiredWatchWithHttp410"/>).
/// </summary>
public sealed class FakeKubernetesApiServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<HttpContext, byte> _watches = new();
    private readonly ConcurrentDictionary<string, int> _requests = new(StringComparer.Ordinal);

    private FakeKubernetesApiServer(WebApplication app, FakeKubernetesStore store)
    {
        _app = app;
        Store = store;
    }

    public FakeKubernetesStore Store { get; }

    public string Url { get; private set; } = string.Empty;

    /// <summary>How often an open watch gets a BOOKMARK when it asked for them.</summary>
    public TimeSpan BookmarkInterval { get; set; } = TimeSpan.FromSeconds(1);

    public bool AnswerExpiredWatchWithHttp410 { get; set; }

    /// <summary>How long creating an Event takes (a busy API server): lets tests see the order of a client's writes.</summary>
    public TimeSpan EventCreateDelay { get; set; }

    public int OpenWatches => _watches.Count;

    /// <summary>Resources (by plural) every request for which is answered 403, as RBAC without a rule for them would.</summary>
    public ConcurrentDictionary<string, bool> Forbidden { get; } = new(StringComparer.Ordinal);

    /// <summary>Whether LLMInferenceServices are served (KServe's CRD installed); a 404 for the kind otherwise.</summary>
    public bool ServeLlmInferenceServices { get; set; } = true;

    /// <summary>
    /// The versions LLMInferenceServices are served in: both, as KServe v0.17 and later serve them (stored as v1alpha2);
    /// only <c>v1alpha1</c> is KServe v0.16. A request for any other version is a 404.
    /// </summary>
    public IReadOnlySet<string> LlmInferenceServiceVersions { get; set; } = new HashSet<string>(StringComparer.Ordinal) { "v1alpha1", "v1alpha2" };

    public static async Task<FakeKubernetesApiServer> StartAsync(TimeProvider? time = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var store = new FakeKubernetesStore(time ?? TimeProvider.System);
        var app = builder.Build();
        var server = new FakeKubernetesApiServer(app, store);
        app.Map("/{**path}", server.HandleAsync);
        await app.StartAsync();
        server.Url = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return server;
    }

    /// <summary>Requests by "VERB plural" (e.g. "PATCH inferenceservices", "WATCH inferenceservices", "LIST inferenceservices").</summary>
    public int Requests(string verbAndPlural) => _requests.TryGetValue(verbAndPlural, out var count) ? count : 0;

    /// <summary>Writes (create, update, patch, delete) to a resource.</summary>
    public int Writes(string plural) =>
        Requests($"POST {plural}") + Requests($"PUT {plural}") + Requests($"PATCH {plural}") + Requests($"DELETE {plural}");

    /// <summary>Cuts every open watch stream mid-way, as a restarting API server or a load balancer does.</summary>
    public void DropWatches()
    {
        foreach (var watch in _watches.Keys)
        {
            watch.Abort();
        }
    }

    public async ValueTask DisposeAsync()
    {
        DropWatches();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task HandleAsync(HttpContext context)
    {
        try
        {
            var (type, version, @namespace, name, subresource) = Route(context.Request.Path.Value ?? string.Empty);
            var verb = context.Request.Method;
            if (subresource is not null)
            {
                // pods/{name}/eviction: the pod goes as a DELETE would take it (no PodDisruptionBudget here).
                _requests.AddOrUpdate($"{verb} {type.Plural}/{subresource}", 1, (_, n) => n + 1);
                if (verb != "POST" || subresource != "eviction" || type != FakeResourceType.Pods)
                {
                    throw new FakeApiException(405, "MethodNotAllowed", $"{verb} {type.Plural}/{subresource} is not supported here");
                }

                Store.Delete(type, Namespace(@namespace), name!);
                await WriteAsync(context, 201, new JsonObject { ["kind"] = "Status", ["apiVersion"] = "v1", ["status"] = "Success", ["code"] = 201 });
                return;
            }

            var watch = verb == "GET" && name is null && string.Equals(context.Request.Query["watch"], "true", StringComparison.OrdinalIgnoreCase);
            _requests.AddOrUpdate($"{(watch ? "WATCH" : verb == "GET" && name is null ? "LIST" : verb)} {type.Plural}", 1, (_, n) => n + 1);
            if (Forbidden.ContainsKey(type.Plural))
            {
                throw new FakeApiException(403, "Forbidden", $"{type.Plural} is forbidden: the caller may not {verb} it");
            }

            if (type == FakeResourceType.LlmInferenceServices && (!ServeLlmInferenceServices || !LlmInferenceServiceVersions.Contains(version)))
            {
                throw new FakeApiException(404, "NotFound", $"the server could not find the requested resource ({context.Request.Path})");
            }

            var convert = (JsonObject body) => InVersion(body, type, version);
            switch (verb)
            {
                case "GET" when watch:
                    await WatchAsync(context, type, version, @namespace);
                    return;
                case "GET" when name is null:
                    var (items, resourceVersion) = Store.List(type, @namespace, context.Request.Query["labelSelector"]);
                    await WriteAsync(context, 200, convert(new JsonObject
                    {
                        ["kind"] = type.Kind + "List",
                        ["apiVersion"] = type.ApiVersion,
                        ["metadata"] = new JsonObject { ["resourceVersion"] = resourceVersion.ToString(CultureInfo.InvariantCulture) },
                        ["items"] = new JsonArray([.. items]),
                    }));
                    return;
                case "GET":
                    await WriteAsync(context, 200, convert(Store.Get(type, Namespace(@namespace), name!)));
                    return;
                case "POST" when name is null:
                    var body = await BodyAsync(context);
                    if (type.Plural == "events" && EventCreateDelay > TimeSpan.Zero)
                    {
                        await Task.Delay(EventCreateDelay, context.RequestAborted);
                    }

                    await WriteAsync(context, 201, convert(Store.Create(type, Namespace(@namespace), body)));
                    return;
                case "PUT" when name is not null:
                    await WriteAsync(context, 200, convert(Store.Update(type, Namespace(@namespace), name, await BodyAsync(context))));
                    return;
                case "PATCH" when name is not null:
                    await WriteAsync(context, 200, convert(await PatchAsync(context, type, Namespace(@namespace), name)));
                    return;
                case "DELETE" when name is not null:
                    await WriteAsync(context, 200, convert(Store.Delete(type, Namespace(@namespace), name)));
                    return;
                default:
                    throw new FakeApiException(405, "MethodNotAllowed", $"{verb} is not supported here");
            }
        }
        catch (FakeApiException ex)
        {
            if (!context.Response.HasStarted)
            {
                await WriteAsync(context, ex.Code, ex.ToStatus());
            }
        }
    }

    private async Task<JsonObject> PatchAsync(HttpContext context, FakeResourceType type, string @namespace, string name)
    {
        var contentType = context.Request.ContentType?.Split(';')[0].Trim();
        var body = await JsonNode.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted);
        return contentType switch
        {
            "application/merge-patch+json" when body is JsonObject merge => Store.Patch(type, @namespace, name, current => JsonPatches.ApplyMerge(current, merge)),
            "application/json-patch+json" when body is JsonArray operations => Store.Patch(type, @namespace, name, current => JsonPatches.ApplyJsonPatch(current, operations)),
            "application/merge-patch+json" or "application/json-patch+json" => throw new FakeApiException(400, "BadRequest", "the patch body does not match its content type"),
            _ => throw new FakeApiException(415, "UnsupportedMediaType", $"the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json (got {contentType})"),
        };
    }

    private async Task WatchAsync(HttpContext context, FakeResourceType type, string version, string? @namespace)
    {
        var query = context.Request.Query;
        long? from = long.TryParse(query["resourceVersion"], NumberStyles.None, CultureInfo.InvariantCulture, out var rv) && rv > 0 ? rv : null;
        var bookmarks = string.Equals(query["allowWatchBookmarks"], "true", StringComparison.OrdinalIgnoreCase);
        var timeout = int.TryParse(query["timeoutSeconds"], NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) && seconds > 0 ? TimeSpan.FromSeconds(seconds) : TimeSpan.FromMinutes(30);
        var selector = FakeKubernetesStore.ParseSelector(query["labelSelector"]);
        var subscription = Store.Subscribe(type, @namespace, from);
        if (subscription is null && AnswerExpiredWatchWithHttp410)
        {
            throw new FakeApiException(410, "Expired", $"too old resource version: {from} ({Store.CompactedThrough})");
        }

        context.Response.StatusCode = 200;
        context.Response.ContentType = "application/json";
        await context.Response.StartAsync(context.RequestAborted); // headers at once, as kube-apiserver sends them
        if (subscription is null)
        {
            var expired = new FakeApiException(410, "Expired", $"too old resource version: {from} ({Store.CompactedThrough})").ToStatus();
            await WriteLineAsync(context, new JsonObject { ["type"] = "ERROR", ["object"] = expired });
            return;
        }

        var (replay, live, unsubscribe) = subscription.Value;
        _watches[context] = 0;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        deadline.CancelAfter(timeout);
        try
        {
            var last = from ?? 0;
            foreach (var change in replay.Where(c => FakeKubernetesStore.Matches(c.Object, selector)))
            {
                await WriteLineAsync(context, InVersion(Line(change), type, version));
                last = Math.Max(last, change.ResourceVersion);
            }

            if (bookmarks)
            {
                await WriteLineAsync(context, InVersion(Bookmark(type, Math.Max(last, Store.ResourceVersion)), type, version));
            }

            while (!deadline.IsCancellationRequested)
            {
                using var tick = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token);
                tick.CancelAfter(BookmarkInterval);
                try
                {
                    var change = await live.ReadAsync(tick.Token);
                    if (change.Type == type && (@namespace is null || change.Namespace == @namespace) && change.ResourceVersion > last && FakeKubernetesStore.Matches(change.Object, selector))
                    {
                        await WriteLineAsync(context, InVersion(Line(change), type, version));
                        last = change.ResourceVersion;
                    }
                }
                catch (OperationCanceledException) when (!deadline.IsCancellationRequested)
                {
                    if (bookmarks)
                    {
                        await WriteLineAsync(context, InVersion(Bookmark(type, Math.Max(last, Store.ResourceVersion)), type, version));
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
            // the client left, the timeout ended the stream, or the stream was dropped
        }
        catch (IOException)
        {
            // the connection broke
        }
        finally
        {
            unsubscribe();
            _watches.TryRemove(context, out _);
        }
    }

    /// <summary>An answer as the version it was asked in: the object's, a list's items' or a watch event's apiVersion rewritten.</summary>
    private static JsonObject InVersion(JsonObject answer, FakeResourceType type, string version)
    {
        if (version == type.Version)
        {
            return answer;
        }

        foreach (var node in new[] { answer, answer["object"] as JsonObject }.Concat((answer["items"] as JsonArray ?? []).OfType<JsonObject>()))
        {
            if (node is not null && node["apiVersion"]?.GetValue<string>() == type.ApiVersion)
            {
                node["apiVersion"] = type.ApiVersionOf(version);
            }
        }

        return answer;
    }

    private static JsonObject Line(FakeWatchEvent change) => new() { ["type"] = change.Kind, ["object"] = change.Object.DeepClone() };

    private static JsonObject Bookmark(FakeResourceType type, long resourceVersion) => new()
    {
        ["type"] = "BOOKMARK",
        ["object"] = new JsonObject
        {
            ["kind"] = type.Kind,
            ["apiVersion"] = type.ApiVersion,
            ["metadata"] = new JsonObject
            {
                ["resourceVersion"] = resourceVersion.ToString(CultureInfo.InvariantCulture),
                ["annotations"] = new JsonObject { ["k8s.io/initial-events-end"] = "true" },
            },
        },
    };

    private static async Task WriteLineAsync(HttpContext context, JsonObject line)
    {
        await context.Response.Body.WriteAsync(Encoding.UTF8.GetBytes(line.ToJsonString() + "\n"), context.RequestAborted);
        await context.Response.Body.FlushAsync(context.RequestAborted);
    }

    private static async Task WriteAsync(HttpContext context, int status, JsonObject body)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(body.ToJsonString(), context.RequestAborted);
    }

    private static async Task<JsonObject> BodyAsync(HttpContext context)
    {
        try
        {
            return await JsonNode.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted) as JsonObject
                ?? throw new FakeApiException(400, "BadRequest", "the body is not a JSON object");
        }
        catch (JsonException ex)
        {
            throw new FakeApiException(400, "BadRequest", ex.Message);
        }
    }

    private static string Namespace(string? @namespace) =>
        @namespace ?? throw new FakeApiException(400, "BadRequest", "a namespaced resource needs a namespace in its path");

    /// <summary>/api/v1[/namespaces/{ns}]/{plural}[/{name}[/{subresource}]] or /apis/{group}/{version}[/namespaces/{ns}]/{plural}[/{name}[/{subresource}]].</summary>
    private static (FakeResourceType Type, string Version, string? Namespace, string? Name, string? Subresource) Route(string path)
    {
        var segments = path.Trim('/').Split('/');
        string group, version;
        int rest;
        if (segments is ["api", var coreVersion, ..])
        {
            (group, version, rest) = (string.Empty, coreVersion, 2);
        }
        else if (segments is ["apis", var g, var v, ..])
        {
            (group, version, rest) = (g, v, 3);
        }
        else
        {
            throw new FakeApiException(404, "NotFound", $"the server could not find the requested resource ({path})");
        }

        var tail = segments[rest..];
        string? @namespace = null;
        if (tail is ["namespaces", var ns, _, ..])
        {
            @namespace = ns;
            tail = tail[2..];
        }

        if (tail is not ([_] or [_, _] or [_, _, _]))
        {
            throw new FakeApiException(404, "NotFound", $"the server could not find the requested resource ({path})");
        }

        var type = FakeResourceType.All.FirstOrDefault(t => t.Group == group && t.IsServedIn(version) && t.Plural == tail[0])
            ?? throw new FakeApiException(404, "NotFound", $"the server could not find the requested resource ({path})");
        return (type, version, @namespace, tail.Length >= 2 ? tail[1] : null, tail.Length == 3 ? tail[2] : null);
    }
}

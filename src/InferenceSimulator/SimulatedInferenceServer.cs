using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace GpuSharing.InferenceSimulator;

/// <summary>
/// A SIMULATED OpenAI-compatible inference server for one replica, on a loopback port of its own: <c>/v1/models</c>,
/// <c>/v1/chat/completions</c> and <c>/v1/completions</c> (streaming as server-sent events, or whole), <c>/health</c>
/// and vLLM's <c>/metrics</c>. Tokens are placeholder words; their timing follows <see cref="TokenTiming"/>. Every
/// answer names itself a simulator (<c>system_fingerprint: "simulated"</c>, header <c>X-Inference-Server: simulated</c>).
/// </summary>
public sealed class SimulatedInferenceServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private SimulatedInferenceServer(WebApplication app, Uri url)
    {
        _app = app;
        Url = url;
    }

    /// <summary>The base URL (<c>http://127.0.0.1:port</c>).</summary>
    public Uri Url { get; }

    /// <summary>Starts a server for <paramref name="model"/>; port 0 takes a free one.</summary>
    public static async Task<SimulatedInferenceServer> StartAsync(SimulatedModel model, PartitionLoad load, TimeProvider time, int port = 0, CancellationToken cancellationToken = default)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(o => o.Listen(IPAddress.Loopback, port));
        builder.Services.AddSingleton(new SimulatedReplica(model, load, time, new SimulatorMetrics()));
        var app = builder.Build();
        app.Use(async (context, next) =>
        {
            context.Response.Headers["X-Inference-Server"] = "simulated";
            await next(context);
        });
        app.MapGet("/health", () => Results.Ok());
        app.MapGet("/metrics", (SimulatedReplica replica) => Results.Text(replica.Metrics.Render(model.ServedModel), "text/plain; version=0.0.4"));
        app.MapGet("/v1/models", () => Results.Json(new JsonObject
        {
            ["object"] = "list",
            ["data"] = new JsonArray(new JsonObject { ["id"] = model.ServedModel, ["object"] = "model", ["owned_by"] = "simulated", ["max_model_len"] = null }),
        }));
        app.MapPost("/v1/chat/completions", (HttpContext context, SimulatedReplica replica) => replica.CompleteAsync(context, chat: true));
        app.MapPost("/v1/completions", (HttpContext context, SimulatedReplica replica) => replica.CompleteAsync(context, chat: false));
        await app.StartAsync(cancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new SimulatedInferenceServer(app, new Uri(address));
    }

    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await _app.StopAsync(timeout.Token);
        await _app.DisposeAsync();
    }

    /// <summary>Reads a JSON body, or says why not in vLLM's error format.</summary>
    internal static async Task<(JsonObject? Body, IResult? Error)> ReadAsync(HttpRequest request)
    {
        try
        {
            return await JsonNode.ParseAsync(request.Body, documentOptions: new JsonDocumentOptions { AllowDuplicateProperties = false }, cancellationToken: request.HttpContext.RequestAborted) is JsonObject body
                ? (body, null)
                : (null, Error(400, "BadRequestError", "The body must be a JSON object."));
        }
        catch (JsonException ex)
        {
            return (null, Error(400, "BadRequestError", $"The body is not JSON: {ex.Message}"));
        }
    }

    internal static IResult Error(int status, string type, string message) =>
        Results.Json(new JsonObject { ["object"] = "error", ["message"] = message, ["type"] = type, ["param"] = null, ["code"] = status }, statusCode: status);
}

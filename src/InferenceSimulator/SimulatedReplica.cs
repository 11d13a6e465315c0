using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace GpuSharing.InferenceSimulator;

/// <summary>The request handling of one simulated replica: its own queue (at most <c>MaxNumSeqs</c> run), prefill, then one token per step.</summary>
internal sealed class SimulatedReplica(SimulatedModel model, PartitionLoad load, TimeProvider time, SimulatorMetrics metrics)
{
    private const int DefaultChatTokens = 64;
    private const int DefaultCompletionTokens = 16;
    private static readonly string[] Words = ["simulated", "tokens", "from", "a", "shared", "partition", "of", "an", "AMD", "Instinct", "GPU", "—"];

    private readonly PrioritySlots _slots = new(model.MaxNumSeqs);

    public SimulatorMetrics Metrics => metrics;

    public async Task<IResult> CompleteAsync(HttpContext context, bool chat)
    {
        var (body, error) = await SimulatedInferenceServer.ReadAsync(context.Request);
        if (error is not null)
        {
            return error;
        }

        if (body!["model"]?.GetValueKind() != System.Text.Json.JsonValueKind.String || body["model"]!.GetValue<string>() != model.ServedModel)
        {
            return SimulatedInferenceServer.Error(404, "NotFoundError", $"The model `{body["model"]}` does not exist.");
        }

        string prompt;
        if (chat)
        {
            if (body["messages"] is not JsonArray { Count: > 0 } messages)
            {
                return SimulatedInferenceServer.Error(400, "BadRequestError", "'messages' must be a non-empty array.");
            }

            prompt = string.Concat(messages.Select(m => m?["content"]?.ToString() ?? string.Empty));
        }
        else if (body["prompt"] is JsonValue value && value.GetValueKind() == System.Text.Json.JsonValueKind.String)
        {
            prompt = value.GetValue<string>();
        }
        else
        {
            return SimulatedInferenceServer.Error(400, "BadRequestError", "'prompt' must be a string.");
        }

        var maxTokens = (body["max_completion_tokens"] ?? body["max_tokens"]) is JsonValue max && max.TryGetValue<int>(out var asked) ? asked : chat ? DefaultChatTokens : DefaultCompletionTokens;
        if (maxTokens < 1)
        {
            return SimulatedInferenceServer.Error(400, "BadRequestError", "'max_tokens' must be at least 1.");
        }

        var stream = body["stream"] is JsonValue s && s.TryGetValue<bool>(out var streaming) && streaming;
        var priority = 0;
        if (body["priority"] is { } given && !(given is JsonValue p && p.TryGetValue(out priority)))
        {
            return SimulatedInferenceServer.Error(400, "BadRequestError", "'priority' must be an integer (lower is served first).");
        }

        await GenerateAsync(context, chat, stream, TokenTiming.CountTokens(prompt), maxTokens, priority);
        return Results.Empty;
    }

    private async Task GenerateAsync(HttpContext context, bool chat, bool stream, int promptTokens, int maxTokens, int priority)
    {
        var cancellationToken = context.RequestAborted;
        var id = $"{(chat ? "chatcmpl" : "cmpl")}-sim-{Guid.NewGuid():N}";
        var created = time.GetUtcNow().ToUnixTimeSeconds();
        var started = time.GetTimestamp();
        metrics.Waiting(1);
        PrioritySlots.Holder slot;
        try
        {
            slot = await _slots.EnterAsync(priority, cancellationToken);
        }
        catch (OperationCanceledException)
        {
            metrics.Waiting(-1);
            throw;
        }

        metrics.Waiting(-1);

        metrics.Running(1);
        try
        {
            using var running = load.Run(model);
            var others = load.On(model.Partition).Count(a => a.Running > 0 && a.Model != model);
            await Task.Delay(TokenTiming.Prefill(model, promptTokens, others), time, cancellationToken);
            if (stream)
            {
                context.Response.ContentType = "text/event-stream";
                context.Response.Headers.CacheControl = "no-cache";
            }

            var text = new StringBuilder();
            var firstAt = 0L;
            for (var token = 0; token < maxTokens; token++)
            {
                await _slots.ContinueAsync(slot, cancellationToken); // paused here while a higher priority has its slot
                if (token > 0)
                {
                    await Task.Delay(TokenTiming.InterToken(load.On(model.Partition)), time, cancellationToken);
                }

                var piece = (token == 0 ? string.Empty : " ") + Words[token % Words.Length];
                text.Append(piece);
                if (token == 0)
                {
                    firstAt = time.GetTimestamp();
                    metrics.TimeToFirstToken.Observe(time.GetElapsedTime(started, firstAt));
                }

                if (stream)
                {
                    var last = token == maxTokens - 1;
                    await WriteEventAsync(context.Response, Chunk(chat, id, created, piece, token == 0, last ? "length" : null), cancellationToken);
                }
            }

            var finished = time.GetTimestamp();
            if (maxTokens > 1)
            {
                metrics.TimePerOutputToken.Observe(time.GetElapsedTime(firstAt, finished) / (maxTokens - 1));
            }

            metrics.EndToEnd.Observe(time.GetElapsedTime(started, finished));
            if (stream)
            {
                await context.Response.WriteAsync("data: [DONE]\n\n", cancellationToken);
            }
            else
            {
                await context.Response.WriteAsJsonAsync(Whole(chat, id, created, text.ToString(), promptTokens, maxTokens), cancellationToken);
            }
        }
        finally
        {
            metrics.Running(-1);
            _slots.Leave(slot);
        }
    }

    private static async Task WriteEventAsync(HttpResponse response, JsonObject data, CancellationToken cancellationToken)
    {
        await response.WriteAsync($"data: {data.ToJsonString()}\n\n", cancellationToken);
        await response.Body.FlushAsync(cancellationToken);
    }

    private JsonObject Chunk(bool chat, string id, long created, string piece, bool first, string? finish)
    {
        JsonObject choice = chat
            ? new() { ["index"] = 0, ["delta"] = first ? new JsonObject { ["role"] = "assistant", ["content"] = piece } : new JsonObject { ["content"] = piece }, ["finish_reason"] = finish }
            : new() { ["index"] = 0, ["text"] = piece, ["logprobs"] = null, ["finish_reason"] = finish };
        return new()
        {
            ["id"] = id,
            ["object"] = chat ? "chat.completion.chunk" : "text_completion",
            ["created"] = created,
            ["model"] = model.ServedModel,
            ["system_fingerprint"] = "simulated",
            ["choices"] = new JsonArray(choice),
        };
    }

    private JsonObject Whole(bool chat, string id, long created, string text, int promptTokens, int completionTokens)
    {
        JsonObject choice = chat
            ? new() { ["index"] = 0, ["message"] = new JsonObject { ["role"] = "assistant", ["content"] = text }, ["finish_reason"] = "length" }
            : new() { ["index"] = 0, ["text"] = text, ["logprobs"] = null, ["finish_reason"] = "length" };
        return new()
        {
            ["id"] = id,
            ["object"] = chat ? "chat.completion" : "text_completion",
            ["created"] = created,
            ["model"] = model.ServedModel,
            ["system_fingerprint"] = "simulated",
            ["choices"] = new JsonArray(choice),
            ["usage"] = new JsonObject
            {
                ["prompt_tokens"] = promptTokens,
                ["completion_tokens"] = completionTokens,
                ["total_tokens"] = promptTokens + completionTokens,
            },
        };
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{model.ServedModel} on {model.Partition}");
}

using System.Net;
using System.Net.Http.Headers;
using System.Text;

namespace GpuSharing.Integration.Tests;

/// <summary>A request body that sends its first byte, then waits for <see cref="Release"/> before sending the rest.</summary>
public sealed class StalledContent : HttpContent
{
    private readonly byte[] _bytes;
    private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public StalledContent(string json)
    {
        _bytes = Encoding.UTF8.GetBytes(json);
        Headers.ContentType = new MediaTypeHeaderValue("application/json");
    }

    public Task Started => _started.Task;

    public void Release() => _released.TrySetResult();

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
    {
        await stream.WriteAsync(_bytes.AsMemory(0, 1));
        await stream.FlushAsync();
        _started.TrySetResult();
        await _released.Task;
        await stream.WriteAsync(_bytes.AsMemory(1));
    }

    protected override bool TryComputeLength(out long length)
    {
        length = _bytes.Length;
        return true;
    }
}

namespace GpuSharing.Gateway.Serving;

/// <summary>
/// Wraps the response body while a request is proxied: notes when the first byte goes out and counts the
/// server-sent events that carry a token (<c>data: {</c>; <c>data: [DONE]</c> is not one). Writes pass through at once.
/// </summary>
public sealed class ResponseMeter(Stream inner, TimeProvider time) : Stream
{
    private static readonly byte[] Marker = "data: {"u8.ToArray();
    private int _matched;

    public long? FirstByteAt { get; private set; }

    public int DataEvents { get; private set; }

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override void Write(byte[] buffer, int offset, int count)
    {
        Observe(buffer.AsSpan(offset, count));
        inner.Write(buffer, offset, count);
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        Observe(buffer.Span);
        await inner.WriteAsync(buffer, cancellationToken);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush() => inner.Flush();

    public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    private void Observe(ReadOnlySpan<byte> bytes)
    {
        if (bytes.IsEmpty)
        {
            return;
        }

        FirstByteAt ??= time.GetTimestamp();
        foreach (var b in bytes)
        {
            _matched = b == Marker[_matched] ? _matched + 1 : b == Marker[0] ? 1 : 0;
            if (_matched == Marker.Length)
            {
                DataEvents++;
                _matched = 0;
            }
        }
    }
}

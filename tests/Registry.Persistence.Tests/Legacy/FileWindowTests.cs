using Registry.Persistence.Wal.Legacy;

namespace Registry.Persistence.Tests.Legacy;

public class FileWindowTests
{
    [Fact]
    public void Get_ForwardSpansAcrossRefills_ReturnFileBytes()
    {
        using var dir = new TempDirectory();
        var path = dir.Combine("data.bin");
        var bytes = new byte[10_000];
        new Random(7).NextBytes(bytes);
        File.WriteAllBytes(path, bytes);
        using var handle = File.OpenHandle(path);
        using var window = new FileWindow(handle, bytes.Length, 16);

        // Spans of varied sizes, some larger than the initial buffer, some straddling refills.
        long offset = 0;
        var size = 1;
        while (offset < bytes.Length)
        {
            var span = window.Get(offset, size);
            var expected = (int)Math.Min(size, bytes.Length - offset);
            Assert.Equal(bytes.AsSpan((int)offset, expected).ToArray(), span.ToArray());
            offset += span.Length;
            size = (size * 7 % 97) + 1;
        }

        Assert.Equal(0, window.Get(bytes.Length, 4).Length);
    }

    [Fact]
    public void Get_PastLimit_StopsAtLimitEvenIfFileIsLonger()
    {
        using var dir = new TempDirectory();
        var path = dir.Combine("data.bin");
        File.WriteAllBytes(path, new byte[100]);
        using var handle = File.OpenHandle(path);
        using var window = new FileWindow(handle, 60, 16);

        Assert.Equal(10, window.Get(50, 40).Length);
    }
}

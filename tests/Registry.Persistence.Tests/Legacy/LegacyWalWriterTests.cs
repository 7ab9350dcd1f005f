using Registry.Persistence.Deltas;
using Registry.Persistence.Wal.Legacy;

namespace Registry.Persistence.Tests.Legacy;

public class LegacyWalWriterTests
{
    [Fact]
    public void Append_BasicFixtureEntries_WritesTheGoFileByteForByte()
    {
        using var dir = new TempDirectory();
        var path = dir.Combine("registry.json.wal");
        var entries = new List<DeltaEntry>();
        LegacyWalReader.Read(Fixtures.Go("wal-basic.wal"), r => entries.Add(r.Detach().Entry), TestContext.Current.CancellationToken);

        using (var writer = new LegacyWalWriter(path))
        {
            foreach (var entry in entries)
            {
                writer.Append(entry);
            }

            writer.Flush();
            Assert.Equal(3694, writer.AppendedPosition);
        }

        Assert.Equal(File.ReadAllBytes(Fixtures.Go("wal-basic.wal")), File.ReadAllBytes(path));
    }

    [Fact]
    public void Append_AfterReopen_ContinuesAtEndOfFile()
    {
        using var dir = new TempDirectory();
        var path = dir.Combine("w.wal");
        using (var writer = new LegacyWalWriter(path))
        {
            writer.Append(new DeltaEntry(0, DeltaType.Deregister, 9, "{\"node_id\":9}"u8.ToArray()));
        }

        using (var writer = new LegacyWalWriter(path))
        {
            Assert.Equal(4 + 54, writer.AppendedPosition);
            writer.Append(new DeltaEntry(0, DeltaType.NetworkDelete, 0, "{\"network_id\":3}"u8.ToArray()));
        }

        var types = new List<DeltaType>();
        var result = LegacyWalReader.Read(path, r => types.Add(r.Entry.Type), TestContext.Current.CancellationToken);
        Assert.Equal([DeltaType.Deregister, DeltaType.NetworkDelete], types);
        Assert.Null(result.Error);
    }

    [Fact]
    public void Constructor_NewFile_IsOwnerReadWriteOnly()
    {
        if (OperatingSystem.IsWindows())
        {
            return; // Unix file modes only
        }

        using var dir = new TempDirectory();
        var path = dir.Combine("mode.wal");
        using (new LegacyWalWriter(path))
        {
        }

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
    }

    [Fact]
    public void Append_AfterDispose_Throws()
    {
        using var dir = new TempDirectory();
        var writer = new LegacyWalWriter(dir.Combine("d.wal"));
        writer.Dispose();
        Assert.Throws<ObjectDisposedException>(() => writer.Append(default));
    }
}

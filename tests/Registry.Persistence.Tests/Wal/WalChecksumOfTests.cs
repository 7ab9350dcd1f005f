using System.Buffers.Binary;
using Registry.Persistence.Deltas;
using Registry.Persistence.Wal;
using static Registry.Persistence.Tests.Wal.WalTestKit;

namespace Registry.Persistence.Tests.Wal;

/// <summary><see cref="WriteAheadLog.ChecksumOf"/>: the stored CRC-32C of a held record, across segments and reopen; null for what the log does not hold.</summary>
public class WalChecksumOfTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ChecksumOf_HeldRecords_EqualsTheStoredChecksum_AndNullOutsideTheLog()
    {
        using var dir = new TempDirectory();
        var written = new Dictionary<ulong, uint>();
        using (var wal = WriteAheadLog.Open(Options(dir.Path)))
        {
            // The listener sees the bytes exactly as written: the reference for every sequence number.
            wal.SetBatchListener((frames, first, last) =>
            {
                for (var seq = first; seq <= last; seq++)
                {
                    written[seq] = WalFrames.ChecksumOf(frames, seq)!.Value;
                }
            });
            await AppendMany(wal, 5);
            await wal.AppendAsync(DeltaType.Heartbeat, 3, ReadOnlySpan<byte>.Empty, Ct);
            wal.Rotate();
            await AppendMany(wal, 3, start: 10);

            Assert.Equal(Enumerable.Range(1, 9).Select(i => (uint?)written[(ulong)i]), Enumerable.Range(1, 9).Select(i => wal.ChecksumOf((ulong)i)));
            Assert.Null(wal.ChecksumOf(0));
            Assert.Null(wal.ChecksumOf(10));

            wal.DeleteSegmentsThrough(6);
            Assert.Null(wal.ChecksumOf(6));
            Assert.Equal(written[7], wal.ChecksumOf(7));
        }

        // The first record of the remaining segment starts right after its 32-byte header, its checksum first.
        var segment = Directory.GetFiles(dir.Path, "*.wal").Single();
        Assert.Equal(written[7], BinaryPrimitives.ReadUInt32LittleEndian(File.ReadAllBytes(segment).AsSpan(32)));
        using var reopened = WriteAheadLog.Open(Options(dir.Path));
        Assert.Equal(written[9], reopened.ChecksumOf(9));
    }
}

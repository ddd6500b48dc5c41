/// A replica's name: its pool's id and a two-digit ordinal from 01 (`chat-70b-blue-07`). The
/// simulator names the replicas it creates this way, and scenario files name them so in
/// incidents and scripted drains.
public enum NodeNaming {
    public static func id(pool: String, index: Int) -> String {
        pool + "-" + (index < 9 ? "0" : "") + String(index + 1)
    }
}

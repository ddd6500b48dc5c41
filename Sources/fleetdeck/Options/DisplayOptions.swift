import ArgumentParser
import Console

/// How the console draws: the theme, ASCII only, and the config file that may set both.
struct DisplayOptions: ParsableArguments {
    @Option(name: .long, help: "Colour theme: a name from Themes/ (dark, light, high-contrast, monochrome) or a path to a theme YAML file.")
    var theme: String?

    @Flag(name: .long, help: "Draw with ASCII only: no Unicode box, block or braille characters.")
    var ascii = false

    @Flag(name: .long, help: "Leave the mouse to the terminal (text selection) instead of clicks on tabs, rows and key hints.")
    var noMouse = false

    @Option(name: .long, help: "Config file (default: $XDG_CONFIG_HOME/fleetdeck/config.yaml): theme, ascii, mouse, keys (rebind any key: 'keys: {scale-up: \"=\"}'), aliases for the ':' command line, commands of your own (argv templates on a node or pool), and what watch scrapes (Docs/console.md).")
    var config: String?

    func resolve() throws -> (theme: Theme, glyphs: Glyphs) {
        try resolve(try UserConfig.load(explicit: config))
    }

    func resolve(_ cfg: UserConfig) throws -> (theme: Theme, glyphs: Glyphs) {
        let name = theme ?? cfg.theme ?? "dark"
        let home = try DataLocator.requireHome()
        let path = try FileCatalog(directory: home + "/Themes").require(name, kind: "theme")
        let t = try ThemeLoader.load(file: path)
        return (t, (ascii || cfg.ascii == true) ? .ascii : .unicode)
    }

    /// The keymap and aliases from the config, and the themes `:theme` can switch between.
    func consoleSettings(_ cfg: UserConfig) throws -> ConsoleSettings {
        let themes = FileCatalog(directory: try DataLocator.requireHome() + "/Themes")
        return ConsoleSettings(keymap: cfg.keymap, aliases: cfg.aliases, themes: themes.names,
                               loadTheme: { name in try ThemeLoader.load(file: try themes.require(name, kind: "theme")) },
                               userCommands: cfg.userCommands, writeExport: ExportWriter.write)
    }
}

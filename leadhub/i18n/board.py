"""Spanish for the status board."""

ES: dict[str, str] = {
    "Move to…": "Mover a…",
    "Move up": "Subir",
    "Move down": "Bajar",
    "Show earlier cards": "Ver tarjetas anteriores",
    "Load more": "Cargar más",
    "Drop a lead here to convert it.": "Suelta aquí un prospecto para convertirlo.",
    "No leads here.": "No hay prospectos aquí.",
    "All campaigns": "Todas las campañas",
    "All segments": "Todos los segmentos",
    "Convert": "Convertir",
    "{name} moved to {status}.": "{name} movido a {status}.",
    "A teammate changed this lead first; it is now in {status}. Your move was not applied.":
        "Un compañero cambió este prospecto antes; ahora está en {status}. Tu movimiento no se "
        "aplicó.",
    "A converted lead cannot be moved out of Converted: its contact and deal already exist.":
        "Un prospecto convertido no puede salir de Convertido: su contacto y su oportunidad ya "
        "existen.",
    "This lead was deleted by a teammate.": "Un compañero eliminó este prospecto.",
    "The column changed while you moved; please try again.":
        "La columna cambió mientras movías la tarjeta; inténtalo de nuevo.",
    "Unknown column.": "Columna desconocida.",
}

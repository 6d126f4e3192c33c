"""Spanish for qualification and nurturing: scoring, predictive score, segments, e-mails, workflows."""

ES: dict[str, str] = {
    # scoring card
    "Lead scoring": "Puntuación de prospectos",
    "Points for what a lead is and what it does. Scores update when a lead changes or "
    "something happens; changing the rules re-scores the team in the background.":
        "Puntos por lo que es un prospecto y por lo que hace. Las puntuaciones se actualizan "
        "cuando un prospecto cambia o pasa algo; al cambiar las reglas se vuelve a puntuar el "
        "equipo en segundo plano.",
    "Re-score now": "Volver a puntuar",
    "Reset to BANT": "Restablecer BANT",
    "Replace every rule by the BANT starter model (budget, authority, need, timeline)?":
        "¿Sustituir todas las reglas por el modelo inicial BANT (presupuesto, autoridad, "
        "necesidad, plazo)?",
    "Reset": "Restablecer",
    "Field": "Campo",
    "Behaviour": "Comportamiento",
    "Field condition": "Condición de campo",
    "Comparison": "Comparación",
    "Activity type": "Tipo de actividad",
    "Cap (most points)": "Tope (máximo de puntos)",
    "Fades over (days)": "Se desvanece en (días)",
    "Points": "Puntos",
    "Own wording (optional)": "Texto propio (opcional)",
    "Add rule": "Añadir regla",
    "Hot from": "Caliente desde",
    "Warm from": "Templado desde",
    "Save thresholds": "Guardar umbrales",
    "Below Warm is Cold; a lead no rule applies to stays unrated. A rating set by hand is kept.":
        "Por debajo de Templado es Frío; un prospecto al que no se aplica ninguna regla queda sin "
        "valoración. Una valoración puesta a mano se mantiene.",
    "Only admins can change scoring.": "Solo los administradores pueden cambiar la puntuación.",
    "Re-scoring": "Puntuando",
    "Re-scoring failed:": "La nueva puntuación falló:",
    "Last re-scoring:": "Última puntuación:",
    "changed": "cambiados",
    "at most {n} points": "como máximo {n} puntos",
    "fades over {n} days": "se desvanece en {n} días",
    "Rule added. Re-scoring the team…": "Regla añadida. Puntuando el equipo…",
    "Rule removed. Re-scoring the team…": "Regla eliminada. Puntuando el equipo…",
    "Thresholds saved. Re-scoring the team…": "Umbrales guardados. Puntuando el equipo…",
    # operators and behaviours
    "is": "es", "is not": "no es", "is one of": "es uno de", "contains": "contiene",
    "does not contain": "no contiene", "more than N days ago": "hace más de N días",
    "in the last N days": "en los últimos N días", "before": "antes de", "after": "después de",
    "is empty": "está vacío", "is filled in": "está rellenado", "is checked": "está marcado",
    "is not checked": "no está marcado",
    "form submitted": "formulario enviado",
    "e-mail opened": "correo abierto",
    "e-mail link clicked": "enlace de correo pulsado",
    "e-mail replied": "correo respondido",
    "outreach replied": "contacto respondido",
    "activity completed": "actividad completada",
    "status reached": "estado alcanzado",
    # score panel
    "set by hand": "puesta a mano",
    "No rule applies to this lead yet.": "Todavía no se aplica ninguna regla a este prospecto.",
    "The score alone would make it:": "Solo por la puntuación sería:",
    "Let the score decide": "Que decida la puntuación",
    "Scored": "Puntuado",
    "Hot from {hot} points, Warm from {warm}.": "Caliente desde {hot} puntos, Templado desde {warm}.",
    "The score sets the rating again.": "La puntuación vuelve a decidir la valoración.",
    # scoring service messages
    "Enter a whole number.": "Escribe un número entero.",
    "Choose a field.": "Elige un campo.",
    "Choose a comparison that fits this field.": "Elige una comparación adecuada para este campo.",
    "Enter the value to compare with.": "Escribe el valor con el que comparar.",
    "Only behaviour rules fade over time.": "Solo las reglas de comportamiento se desvanecen con el tiempo.",
    "A field rule counts once; caps are for behaviour rules.":
        "Una regla de campo cuenta una vez; los topes son para reglas de comportamiento.",
    "Choose a field rule or a behaviour rule.": "Elige una regla de campo o de comportamiento.",
    "Choose a behaviour.": "Elige un comportamiento.",
    "Choose the status.": "Elige el estado.",
    "Warm must start below Hot.": "Templado debe empezar por debajo de Caliente.",
    "This rule does not exist or belongs to another team.": "Esta regla no existe o es de otro equipo.",
    "No such scoring job.": "No existe ese trabajo de puntuación.",
    # predictive score
    "{field} is {value}": "{field} es {value}",
    "source": "origen", "industry": "sector", "need": "necesidad", "interest": "interés",
    "no budget given": "sin presupuesto", "budget": "presupuesto",
    "title names a decision maker": "el cargo es de quien decide",
    "has an e-mail": "tiene correo", "has a phone": "tiene teléfono",
    "has a company": "tiene empresa", "has a website": "tiene web",
    "touches": "contactos", "replies": "respuestas", "completed activities": "actividades completadas",
    "Likelihood to convert": "Probabilidad de conversión",
    "Retrain now": "Reentrenar ahora",
    "Learned from this team's converted and lost leads; retrained every week.":
        "Aprendido de los prospectos convertidos y perdidos del equipo; se reentrena cada semana.",
    "Accuracy (AUC on held-out leads):": "Precisión (AUC en prospectos reservados):",
    "leads held out": "prospectos reservados",
    "Trained on": "Entrenado con",
    "converted": "convertidos",
    "lost": "perdidos",
    "0.5 is a coin toss, 1.0 is perfect.": "0,5 es lanzar una moneda, 1,0 es perfecto.",
    "Not trained yet.": "Todavía sin entrenar.",
    "Not trained yet: an admin can train it in Settings.":
        "Todavía sin entrenar: un administrador puede entrenarlo en Configuración.",
    "Too little history to predict: it needs {n} converted and {n} lost leads; the team has {converted} converted and {lost} lost.":
        "Poco historial para predecir: hacen falta {n} prospectos convertidos y {n} perdidos; el "
        "equipo tiene {converted} convertidos y {lost} perdidos.",
}

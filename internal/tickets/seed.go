package tickets

import (
	"context"
	"database/sql"
)

// defaultCanned are seeded into an empty list of canned replies, per
// language; agents edit them with SaveCanned.
var defaultCanned = map[string][2]Canned{
	"en": {
		{Title: "We are on it", Body: "Thank you for writing to us. We are looking into this and will get back to you here as soon as we know more."},
		{Title: "Is it solved?", Body: "We believe this is solved now. Could you check and tell us? If we hear nothing within a week, we will close the ticket; you can reopen it at any time."},
	},
	"es": {
		{Title: "Nos ocupamos", Body: "Gracias por escribirnos. Estamos revisando el caso y te responderemos aquí en cuanto sepamos más."},
		{Title: "¿Está resuelto?", Body: "Creemos que ya está resuelto. ¿Puedes comprobarlo y contarnos? Si no sabemos nada en una semana, cerraremos la solicitud; puedes reabrirla cuando quieras."},
	},
	"fr": {
		{Title: "Nous nous en occupons", Body: "Merci de nous avoir écrit. Nous examinons votre demande et reviendrons vers vous ici dès que nous en saurons plus."},
		{Title: "Est-ce résolu ?", Body: "Nous pensons que le problème est résolu. Pouvez-vous vérifier et nous le dire ? Sans nouvelles de votre part d’ici une semaine, nous fermerons la demande ; vous pourrez la rouvrir à tout moment."},
	},
	"de": {
		{Title: "Wir kümmern uns", Body: "Danke für Ihre Nachricht. Wir sehen uns das an und melden uns hier, sobald wir mehr wissen."},
		{Title: "Ist es gelöst?", Body: "Wir glauben, dass das Problem gelöst ist. Können Sie es prüfen und uns Bescheid geben? Hören wir eine Woche lang nichts, schließen wir die Anfrage; Sie können sie jederzeit wieder öffnen."},
	},
	"pt-BR": {
		{Title: "Estamos cuidando disso", Body: "Obrigado por escrever. Estamos analisando o caso e responderemos aqui assim que soubermos mais."},
		{Title: "Está resolvido?", Body: "Acreditamos que o problema foi resolvido. Você pode verificar e nos contar? Se não tivermos notícias em uma semana, fecharemos o chamado; você pode reabri-lo a qualquer momento."},
	},
	"ar": {
		{Title: "نعمل على طلبك", Body: "شكرًا لتواصلك معنا. نحن نراجع طلبك وسنردّ عليك هنا فور أن تتوفر لدينا معلومات أكثر."},
		{Title: "هل حُلّت المشكلة؟", Body: "نعتقد أن المشكلة قد حُلّت. هل يمكنك التحقق وإخبارنا؟ إن لم يصلنا ردّ خلال أسبوع فسنغلق الطلب، ويمكنك إعادة فتحه في أي وقت."},
	},
	"zh-Hans": {
		{Title: "正在处理", Body: "感谢您的来信。我们正在调查此问题，一有进展会在这里回复您。"},
		{Title: "问题解决了吗？", Body: "我们认为问题已经解决。请您确认后告诉我们。如果一周内没有收到回复，我们将关闭此工单；您随时可以重新打开。"},
	},
	"ja": {
		{Title: "対応中です", Body: "お問い合わせありがとうございます。現在確認しております。詳しいことが分かり次第、こちらでご連絡します。"},
		{Title: "解決しましたか？", Body: "問題は解決したと考えております。ご確認のうえお知らせいただけますか。1 週間ご連絡がない場合はチケットをクローズしますが、いつでも再オープンできます。"},
	},
}

// seedCanned fills an empty list of canned replies with defaultCanned.
func (s *Service) seedCanned(ctx context.Context) error {
	var n int
	if err := s.db.Read.QueryRowContext(ctx, sqlCountCanned).Scan(&n); err != nil || n > 0 {
		return err
	}
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		for _, lang := range s.cat.Languages() {
			for _, c := range defaultCanned[lang] {
				if _, err := tx.ExecContext(ctx, sqlInsertCanned, lang, c.Title, c.Body); err != nil {
					return err
				}
			}
		}
		return nil
	})
}
